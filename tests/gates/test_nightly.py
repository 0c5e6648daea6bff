"""`signalhouse nightly`: gates decide what is published, atomically; every run leaves a manifest.

Fixture `nightly_runs`: night 1 (days 1-2 of a sample), night 2 (days 3-4), then a night whose
files were all loaded before (an empty load, which the raw batch suite must reject).
"""

from __future__ import annotations

import fcntl
import json
import sys
from datetime import datetime

import duckdb
import pytest

from signalhouse.cli import EXIT_LOCKED, EXIT_USAGE, main
from signalhouse.nightly import NightlyPaths, _Phases
from tests.gates.conftest import sha256


def test_good_nights_are_published_and_the_previous_file_is_kept(nightly_runs):
    paths = NightlyPaths(nightly_runs.db)
    assert nightly_runs.first.exit_code == 0 and nightly_runs.first.published
    assert nightly_runs.second.exit_code == 0 and nightly_runs.second.published
    assert nightly_runs.sha_after_first != nightly_runs.sha_after_second
    # The warehouse published by night 1 is kept, byte for byte, as last-good.
    assert sha256(paths.last_good) == nightly_runs.sha_after_first
    assert not paths.work.exists()


def test_readers_open_the_published_file_read_only_and_its_views_resolve(nightly_runs):
    # Built under the work file's name, published under another: views must still resolve.
    con = duckdb.connect(str(nightly_runs.db), read_only=True)
    try:
        analytics = con.execute("select count(*) from marts.fct_analytics_events").fetchone()[0]
        duplicates = con.execute(
            "select count(*) from staging.stg_segment__event_duplicates"
        ).fetchone()[0]
    finally:
        con.close()
    assert analytics > 0 and duplicates > 0


def test_an_empty_load_fails_and_leaves_the_published_warehouse_untouched(nightly_runs):
    empty = nightly_runs.empty
    assert empty.exit_code == 4 and not empty.published
    assert nightly_runs.sha_after_empty == nightly_runs.sha_after_second
    assert empty.failed_copy is not None and empty.failed_copy.exists()
    assert any("raw.batch" in problem for problem in empty.manifest["problems"])
    assert "NOT published" in empty.message
    assert empty.manifest["ingest"]["files_skipped"] == len(empty.manifest["ingest"]["files"])


def test_every_run_writes_a_manifest_with_inputs_versions_results_and_counts(nightly_runs):
    manifest = json.loads(nightly_runs.second.manifest_path.read_text())
    assert manifest["run_id"] == nightly_runs.second.run_id
    assert manifest["status"] == "published" and manifest["exit_code"] == 0
    assert manifest["code_version"]["signalhouse"]
    assert manifest["packages"]["duckdb"] and manifest["packages"]["great-expectations"]
    files = manifest["ingest"]["files"]
    assert files and all(len(f["sha256"]) == 64 and f["lines_read"] >= 0 for f in files)
    assert manifest["ingest"]["lines_read"] == sum(f["lines_read"] for f in files)
    assert manifest["ingest"]["quarantine_by_reason"], "the default defects quarantine lines"
    assert sum(manifest["ingest"]["quarantine_by_reason"].values()) == sum(
        f["lines_quarantined"] for f in files
    )
    assert manifest["dbt"]["counts"]["test"].get("pass", 0) > 0
    assert manifest["expectations"]["failed"] == 0 and manifest["expectations"]["passed"] >= 6
    assert {row["source"] for row in manifest["freshness"]} >= {"segment.events"}
    assert manifest["marts"]["marts.fct_events"] > 0 and manifest["marts"]["marts.fct_sessions"]
    # The nightly checks data; the unit tests (fixed fixtures) run in `make test` instead.
    assert manifest["dbt_command"] == ["build", "--exclude-resource-type", "unit_test"]
    assert "unit_test" not in manifest["dbt"]["counts"] and manifest["dbt"]["counts"]["model"]
    # Wall seconds of every phase, in the order they ran (report=True by default).
    phases = manifest["phases"]
    assert list(phases) == [
        "copy",
        "ingest",
        "dbt build",
        "dbt source freshness",
        "expectations",
        "record",
        "publish",
        "report",
    ]
    assert all(seconds >= 0 for seconds in phases.values()) and phases["dbt build"] > 1
    # The process's peak RSS within each phase (Linux resets the high-water mark).
    peaks = manifest["peak_rss_mib_by_phase"]
    assert list(peaks) == list(phases) and min(peaks.values()) > 0
    assert manifest["peak_rss_per_phase"] is sys.platform.startswith("linux")
    started = datetime.fromisoformat(manifest["started_at"])
    finished = datetime.fromisoformat(manifest["finished_at"])
    # finished_at is stamped before the record, publish and report phases.
    assert sum(list(phases.values())[:-3]) <= (finished - started).total_seconds() + 0.5


def test_the_manifest_table_lists_every_run_each_copy_went_through(nightly_runs):
    con = duckdb.connect(str(nightly_runs.db), read_only=True)
    try:
        published = con.execute(
            "select run_id, status, exit_code from audit.run_manifests order by started_at"
        ).fetchall()
    finally:
        con.close()
    assert published == [
        (nightly_runs.first.run_id, "published", 0),
        (nightly_runs.second.run_id, "published", 0),
    ]
    con = duckdb.connect(str(nightly_runs.empty.failed_copy), read_only=True)
    try:
        failed = con.execute(
            "select status, exit_code, manifest->>'$.run_id' from audit.run_manifests "
            "order by started_at desc limit 1"
        ).fetchone()
    finally:
        con.close()
    assert failed == ("failed", 4, nightly_runs.empty.run_id)


def test_a_second_nightly_on_the_same_warehouse_is_told_it_is_locked(nightly_runs, capsys):
    lock_path = NightlyPaths(nightly_runs.db).lock
    with open(lock_path, "a+") as holder:
        fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)
        holder.write("pid 4242")
        holder.flush()
        code = main(["nightly", str(nightly_runs.db.parent), "--db", str(nightly_runs.db)])
        fcntl.flock(holder, fcntl.LOCK_UN)
    assert code == EXIT_LOCKED
    assert "another nightly run" in capsys.readouterr().err


def test_nightly_without_input_files_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    code = main(["nightly", str(tmp_path / "empty"), "--db", str(tmp_path / "w.duckdb")])
    assert code == EXIT_USAGE
    assert "no input files found" in capsys.readouterr().err
    assert not (tmp_path / "w.duckdb").exists()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="resets /proc/self's peak")
def test_each_phase_reports_its_own_peak_rss_not_the_runs_so_far():
    phases = _Phases()
    block = bytearray(300 << 20)
    block[:: 1 << 12] = b"\1" * len(block[:: 1 << 12])  # touch every page: resident
    del block  # freed before the boundary: the next phase starts small
    phases.done("large")
    phases.done("small")
    assert phases.per_phase
    # A running maximum would report the large phase's peak again for the small one.
    assert phases.peak_rss_mib["large"] - phases.peak_rss_mib["small"] >= 250
