"""Fixtures shared across test folders.

``marts_build``: one clean simulated sample (no line defects, so nothing is lost and the
marts can be compared with ``truth.json`` exactly), ingested and built with every model and
test once per test session. Mart tests (product, experiments, messaging, API, gates) read it
read-only and never write to it.
"""

from __future__ import annotations

import json
import os
import warnings
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from ingest.loader import ingest_paths
from signalhouse.dbt import DbtOutcome, run_dbt
from signalhouse.simulator import generate
from signalhouse.warehouse import MEMORY_LIMIT_ENV_VAR, TEMP_DIRECTORY_ENV_VAR

MARTS_SAMPLE = {"users": 300, "days": 14, "seed": 23, "tenants": 2, "defects": "none"}
# The simulator sends some offline batches more than 3 days late. With the default
# days_late_allowed staging dates those at receipt (by design, unit-tested); the truth dates
# every event by its device time, so the marts sample trusts device clocks for 7 days.
MARTS_VARS = {"days_late_allowed": 7}
MARTS_PII_KEY = "marts-test-key"


def stored_test_failures(db: Path, test_name: str, columns: str = "*") -> list[tuple] | None:
    """The failing rows a dbt test stored in schema audit (`columns` of them, ordered); None
    when it stored none: the project's test materialization keeps no table for a passing
    test."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        stored = con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = 'audit' and table_name = ?",
            [test_name],
        ).fetchone()[0]
        if not stored:
            return None
        return con.execute(f"select {columns} from audit.{test_name} order by all").fetchall()
    finally:
        con.close()


LIMIT_ENV_VARS = (MEMORY_LIMIT_ENV_VAR, TEMP_DIRECTORY_ENV_VAR)


@dataclass
class MartsBuild:
    data: Path
    db: Path
    truth: dict
    build: DbtOutcome

    def connect(self) -> duckdb.DuckDBPyConnection:
        """A read-only connection to the built warehouse (UTC)."""
        con = duckdb.connect(str(self.db), read_only=True)
        con.execute("set TimeZone = 'UTC'")
        return con

    def rows(self, sql: str, params: list | None = None) -> list[tuple]:
        con = self.connect()
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()


@pytest.fixture(autouse=True)
def _limits_do_not_leak():
    """Fail a test that leaves DuckDB's limit variables changed for the tests after it.

    main() writes --memory-limit / --temp-directory into os.environ; a test that calls it
    must undo that (the `clean_limits` fixture), or every later test runs under its limit.
    """
    before = {name: os.environ.get(name) for name in LIMIT_ENV_VARS}
    yield
    after = {name: os.environ.get(name) for name in LIMIT_ENV_VARS}
    assert after == before, (
        f"this test left {after} in the environment (was {before}): use the clean_limits "
        "fixture (tests/gates/test_duckdb_limits.py) or monkeypatch, so it is undone"
    )


@pytest.fixture(scope="session")
def marts_build(tmp_path_factory) -> MartsBuild:
    root = tmp_path_factory.mktemp("marts")
    result = generate(root / "data", **MARTS_SAMPLE)
    db = root / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings():
        patch.setenv("SIGNALHOUSE_PII_KEY", MARTS_PII_KEY)
        warnings.simplefilter("ignore")
        ingest_paths([root / "data"], db)
        build = run_dbt(["build"], db, vars=MARTS_VARS)
    assert build.success, (build.errors, build.failed_tests, build.exception)
    return MartsBuild(root / "data", db, json.loads(result.truth_path.read_text()), build)
