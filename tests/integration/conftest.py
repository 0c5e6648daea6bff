"""One small simulated sample, generated, ingested and built once per test session."""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass
from pathlib import Path

import pytest

from ingest.loader import IngestSummary, ingest_paths
from signalhouse.dbt import DbtOutcome, run_dbt
from signalhouse.simulator import generate


@dataclass
class Warehouse:
    data: Path
    db: Path
    truth: dict
    ingest: IngestSummary
    build: DbtOutcome


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory) -> Warehouse:
    root = tmp_path_factory.mktemp("pipeline")
    data = root / "data"
    result = generate(data, users=160, days=6, seed=11, tenants=2, defects="default")
    db = root / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings():
        patch.setenv("SIGNALHOUSE_PII_KEY", "integration-test-key")
        warnings.simplefilter("ignore")
        # Land opted-out persons' later lines too: this module reconciles the ledger and
        # staging with the truth's per-file line counts, which count every emitted line.
        # Dropping them (the default) is checked in tests/privacy/test_consent_suppression.py.
        summary = ingest_paths([data], db, suppress_opted_out=False)
        build = run_dbt(["build"], db)
    return Warehouse(data, db, json.loads(result.truth_path.read_text()), summary, build)
