"""Shared runs for the simulator tests: each is generated once per session."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sim_testlib import SMALL

from signalhouse.simulator import generate


@pytest.fixture(scope="session")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("default")
    result = generate(out, **SMALL)
    return out, json.loads(result.truth_path.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def clean_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("clean")
    result = generate(out, defects="none", **SMALL)
    return out, json.loads(result.truth_path.read_text(encoding="utf-8"))
