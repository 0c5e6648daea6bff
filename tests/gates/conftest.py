"""Fixtures for the gates: damaged copies of a good warehouse, and a GX root per session."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import warnings
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from ingest.loader import ingest_paths
from signalhouse.check import load_suites, run_check
from signalhouse.nightly import run_nightly
from signalhouse.simulator import generate


@pytest.fixture(scope="session")
def gx_root(tmp_path_factory) -> Path:
    """A GX file context outside the source tree, so tests leave expectations/ clean."""
    return tmp_path_factory.mktemp("gx")


@pytest.fixture(scope="session")
def suites():
    return load_suites()


@pytest.fixture
def damaged(marts_build, tmp_path):
    """A copy of the clean marts warehouse to damage; returns (path, damage(sql)).

    Same file name: dbt's views name their catalog, which DuckDB takes from the file name.
    """
    copy = tmp_path / marts_build.db.name
    shutil.copy(marts_build.db, copy)

    def damage(*statements: str) -> None:
        con = duckdb.connect(str(copy))
        try:
            for statement in statements:
                con.execute(statement)
        finally:
            con.close()

    return copy, damage


@pytest.fixture
def check(gx_root, suites, tmp_path):
    """Run the checkpoint on a warehouse; return {suite: SuiteResult} and the CheckResult."""

    def run(db: Path, only: list[str] | None = None):
        chosen = [s for s in suites if only is None or s.name in only]
        result = run_check(
            db, suites=chosen, gx_root=gx_root, results_dir=tmp_path / "check", data_docs=False
        )
        return {r.suite: r for r in result.suites}, result

    return run


@dataclass
class NightlyRuns:
    """Three nightly runs on one warehouse: two good nights, then a night with nothing new."""

    db: Path
    first: object
    second: object
    empty: object
    sha_after_first: str
    sha_after_second: str
    sha_after_empty: str


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="session")
def nightly_runs(tmp_path_factory, gx_root) -> NightlyRuns:
    root = tmp_path_factory.mktemp("nightly")
    generate(root / "all", users=60, days=4, seed=5, tenants=2, defects="default")
    nights = {"night1": root / "night1", "night2": root / "night2"}
    for source in sorted((root / "all").rglob("*.jsonl.gz")):
        night = "night1" if source.name < "2026-10-14" else "night2"
        target = nights[night] / source.relative_to(root / "all")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    db = root / "warehouse" / "signalhouse.duckdb"

    def ingest(paths, db_path):
        return ingest_paths(paths, db_path)

    def night(paths):
        return run_nightly(paths, db, ingest=ingest, gx_root=gx_root, say=lambda _: None)

    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings():
        patch.setenv("SIGNALHOUSE_PII_KEY", "gates-test-key")
        warnings.simplefilter("ignore")
        first = night([nights["night1"]])
        after_first = sha256(db)
        second = night([nights["night2"]])
        after_second = sha256(db)
        empty = night([nights["night1"], nights["night2"]])
        after_empty = sha256(db)
    return NightlyRuns(db, first, second, empty, after_first, after_second, after_empty)


@pytest.fixture(scope="session")
def chromium() -> str:
    """Debian's chromium, installed here when missing (the test setup needs root and apt)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    apt = shutil.which("apt-get")
    if apt is None or os.geteuid() != 0:
        pytest.skip("headless chromium is not installed and cannot be: needs root and apt-get")
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [apt, "install", "-y", "-qq", "--no-install-recommends", "chromium"]
    if subprocess.run(install, env=environment, capture_output=True).returncode != 0:
        subprocess.run([apt, "update", "-qq"], env=environment, capture_output=True)
        result = subprocess.run(install, env=environment, capture_output=True, text=True)
        if result.returncode != 0:
            pytest.skip(f"could not install Debian's chromium: {result.stderr[-500:]}")
    found = shutil.which("chromium")
    if not found:
        pytest.skip("apt-get installed chromium but it is not on PATH")
    return found
