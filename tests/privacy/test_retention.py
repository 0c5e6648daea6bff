"""Retention: a nightly run with `retention_days` deletes raw and quarantined lines loaded
before the cutoff, keeps the ledger whole, says how many in its manifest (JSON file and
audit.run_manifests), and the marts keep what was built from them."""

from __future__ import annotations

import json
import shutil

import duckdb
import pytest

from signalhouse.cli import EXIT_USAGE, main
from tests.privacy.conftest import night

DAYS = 30


@pytest.fixture(scope="module")
def expired(privacy_nightly, tmp_path_factory):
    """The first night's warehouse, its raw rows made 40 days old, then a second night."""
    assert privacy_nightly.result.published, privacy_nightly.result.message
    db = tmp_path_factory.mktemp("retention") / "warehouse" / privacy_nightly.db.name
    db.parent.mkdir()
    shutil.copyfile(privacy_nightly.db, db)
    con = duckdb.connect(str(db))
    try:
        for table in ("raw.events", "raw.quarantine"):
            con.execute(f"update {table} set _loaded_at = _loaded_at - interval 40 days")
        before = {
            "events": con.execute("select count(*) from raw.events").fetchone()[0],
            "quarantine": con.execute("select count(*) from raw.quarantine").fetchone()[0],
            "fct_events": set(
                con.execute("select tenant_id, event_id from marts.fct_events").fetchall()
            ),
            "files": con.execute("select count(*) from raw.files").fetchone()[0],
        }
    finally:
        con.close()
    said: list[str] = []
    result = night(
        [privacy_nightly.second_night], db, privacy_nightly.gx_root, said, retention_days=DAYS
    )
    return db, before, result, said


def test_old_raw_rows_are_deleted_and_counted(expired):
    db, before, result, said = expired
    assert before["events"] > 0 and before["quarantine"] > 0
    assert result.published, result.message
    retention = result.manifest["retention"]
    assert retention["days"] == DAYS
    assert retention["rows_deleted"] == {
        "raw.events": before["events"],
        "raw.quarantine": before["quarantine"],
    }
    assert retention["files_touched"] == before["files"]
    assert any(line.startswith(f"retention {DAYS} days: deleted") for line in said)
    on_disk = json.loads(result.manifest_path.read_text())
    assert on_disk["retention"]["rows_deleted"] == retention["rows_deleted"]

    con = duckdb.connect(str(db), read_only=True)
    try:
        cutoff = con.execute("select ?::timestamptz", [retention["cutoff"]]).fetchone()[0]
        old = con.execute(
            "select (select count(*) from raw.events where _loaded_at < $c) "
            "+ (select count(*) from raw.quarantine where _loaded_at < $c)",
            {"c": cutoff},
        ).fetchone()[0]
        assert old == 0
        assert con.execute("select count(*) from raw.events").fetchone()[0] > 0
        recorded = con.execute(
            "select manifest -> 'retention' -> 'rows_deleted' from audit.run_manifests "
            "where run_id = ?",
            [result.run_id],
        ).fetchone()[0]
        assert json.loads(recorded) == retention["rows_deleted"]
        # The ledger stays whole: read = loaded + quarantined + blank + expired, and the
        # loaded and quarantined counts are the rows left (also a dbt test in the build).
        ledger = con.execute(
            """
            select
                sum(lines_expired),
                count(*) filter (
                    where lines_read <> lines_loaded + lines_quarantined + lines_blank
                        + lines_expired
                ),
                sum(lines_loaded),
                sum(lines_quarantined)
            from raw.files
            """
        ).fetchone()
        assert ledger[0] == before["events"] + before["quarantine"]
        assert ledger[1] == 0
        assert ledger[2:] == (
            con.execute("select count(*) from raw.events").fetchone()[0],
            con.execute("select count(*) from raw.quarantine").fetchone()[0],
        )
        # Staging is incremental: the events built from the deleted rows stay in the marts.
        kept = set(con.execute("select tenant_id, event_id from marts.fct_events").fetchall())
        assert before["fct_events"] and before["fct_events"] <= kept
    finally:
        con.close()


def test_retention_below_one_day_is_a_usage_error(tmp_path, capsys):
    code = main(
        ["nightly", str(tmp_path), "--retention-days", "0", "--db", str(tmp_path / "w.duckdb")]
    )
    assert code == EXIT_USAGE
    assert "--retention-days must be at least 1" in capsys.readouterr().err
