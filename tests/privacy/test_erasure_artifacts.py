"""Erasure reaches the run artifacts that can quote rows: a failed expectation lists the
unexpected values (here a person id) in GX's stored validation results, the Data Docs, the
run's expectations.json and manifest.json, and audit.run_manifests. After `erase`, none of them
names the person, and the runs' rows and files are still there."""

from __future__ import annotations

import json
import shutil
import warnings

import duckdb
import pytest

from ingest.pii import pii_hash
from signalhouse import manifest as manifests
from signalhouse.check import load_suites, run_check
from signalhouse.erase import erase
from tests.privacy.conftest import PII_KEY, TENANT


def test_erase_redacts_gx_results_data_docs_and_run_manifests(privacy_nightly, tmp_path):
    assert privacy_nightly.result.published, privacy_nightly.result.message
    db = tmp_path / "warehouse" / privacy_nightly.db.name
    db.parent.mkdir()
    shutil.copyfile(privacy_nightly.db, db)
    gx_root = tmp_path / "gx"
    user_id = pii_hash(privacy_nightly.canary.email.lower(), PII_KEY.encode())

    con = duckdb.connect(str(db))
    try:
        (person_id,) = con.execute(
            "select person_id from marts.dim_persons where tenant_id = ? and user_id = ?",
            [TENANT, user_id],
        ).fetchone()
        # A night whose persons suite fails on this person: a duplicated row.
        con.execute(
            "insert into marts.dim_persons select * from marts.dim_persons where person_id = ?",
            [person_id],
        )
    finally:
        con.close()
    run_dir = db.parent / "runs" / "failed-night"
    suites = [suite for suite in load_suites() if suite.name == "marts.dim_persons"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check = run_check(db, suites=suites, gx_root=gx_root, results_dir=run_dir)
    assert not check.success
    manifest = {
        "run_id": "failed-night",
        "started_at": "2026-10-16T02:00:00+00:00",
        "status": "failed",
        "exit_code": 4,
        "expectations": check.to_dict(),
    }
    (run_dir / "manifest.json").write_text(json.dumps(manifest, default=str))
    con = duckdb.connect(str(db))
    try:
        manifests.record(con, manifest)
    finally:
        con.close()

    artifacts = [
        path
        for root in (run_dir, gx_root / "gx" / "uncommitted")
        for path in root.rglob("*")
        if path.is_file() and path.suffix in (".json", ".html")
    ]
    quoting = {path for path in artifacts if person_id in path.read_text(errors="replace")}
    # The failure's examples really do name the person in each kind of artifact.
    assert run_dir / "expectations.json" in quoting
    assert run_dir / "manifest.json" in quoting
    assert any("validations" in path.parts and path.suffix == ".json" for path in quoting)
    assert any("data_docs" in path.parts and path.suffix == ".html" for path in quoting)

    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings():
        patch.setenv("SIGNALHOUSE_PII_KEY", PII_KEY)
        warnings.simplefilter("ignore")
        result = erase(db, TENANT, user_id=privacy_nightly.canary.email, gx_root=gx_root)
    assert result.person_ids == [person_id]
    assert quoting <= set(result.artifacts_redacted)
    still = [path for path in artifacts if person_id in path.read_text(errors="replace")]
    assert still == []
    # Still valid JSON, the failure still recorded, only the values replaced.
    redacted = json.loads((run_dir / "expectations.json").read_text())
    assert redacted["run_id"] == check.run_id and "[erased]" in json.dumps(redacted)

    con = duckdb.connect(str(db), read_only=True)
    try:
        recorded = con.execute(
            "select manifest::varchar from audit.run_manifests where run_id = 'failed-night'"
        ).fetchall()
        assert len(recorded) == 1
        assert person_id not in recorded[0][0] and "[erased]" in recorded[0][0]
        # The nightly's own manifest row is kept too.
        runs = con.execute("select count(*) from audit.run_manifests").fetchone()[0]
        assert runs == 2
    finally:
        con.close()
