"""The canary: an e-mail address, a phone number and an IP address planted in a user id, URLs,
properties, traits and context (and in a line that is not JSON) land only as keyed hashes.
After the nightly run no table, view, log, `target/` artifact, Data Docs page, run manifest or
report holds them in clear, and the hashed forms are there (the planted lines did land)."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from ingest.pii import pii_hash
from signalhouse.warehouse import PROJECT_DIR
from tests.privacy.conftest import PII_KEY


def _files(privacy_nightly) -> list[Path]:
    roots = [
        privacy_nightly.db.parent,  # warehouse files, runs/<id>/ manifests, report.html
        privacy_nightly.gx_root,  # GX results and Data Docs
        PROJECT_DIR / "target",  # dbt artifacts, compiled SQL, logs/dbt.log
    ]
    return [path for root in roots for path in root.rglob("*") if path.is_file()]


def _relations(con) -> list[tuple[str, str]]:
    return con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_catalog = current_database() order by all"
    ).fetchall()


def test_the_run_was_published_with_a_report_and_data_docs(privacy_nightly):
    result = privacy_nightly.result
    assert result.published, result.message
    assert (privacy_nightly.db.parent / "report.html").exists()
    docs = list(privacy_nightly.gx_root.rglob("*.html"))
    assert docs, "GX wrote no Data Docs: the search would prove nothing about them"


def test_no_file_holds_a_clear_value(privacy_nightly):
    needles = [needle.encode() for needle in privacy_nightly.canary.needles()]
    planted = next(privacy_nightly.first_night.rglob("*planted.jsonl")).read_bytes().lower()
    assert [needle for needle in needles if needle not in planted] == []
    files = _files(privacy_nightly)
    assert len(files) > 20
    leaks = [
        f"{path}: {needle.decode()}"
        for path in files
        for content in [path.read_bytes().lower()]
        for needle in needles
        if needle in content
    ]
    assert leaks == []
    said = "\n".join(privacy_nightly.said).lower()
    assert [n for n in privacy_nightly.canary.needles() if n in said] == []


def test_no_relation_holds_a_clear_value_and_the_hashes_landed(privacy_nightly):
    canary = privacy_nightly.canary
    pattern = "|".join(re.escape(needle) for needle in canary.needles())
    con = duckdb.connect(str(privacy_nightly.db), read_only=True)
    try:
        relations = _relations(con)
        assert {schema for schema, _ in relations} >= {"raw", "staging", "marts"}
        leaks = {
            f"{schema}.{name}": hits
            for schema, name in relations
            for (hits,) in con.execute(
                f'select count(*) from "{schema}"."{name}" as r '
                "where regexp_matches(lower(r::varchar), ?)",
                [pattern],
            ).fetchall()
            if hits
        }
        assert leaks == {}

        key = PII_KEY.encode()
        email, phone, ip = (
            pii_hash(canary.email.lower(), key),
            pii_hash(canary.phone, key),
            pii_hash(canary.ip, key),
        )
        landed = con.execute(
            """
            select
                count(*) filter (where user_id = $email),
                count(*) filter (where contains(payload::varchar, $email)),
                count(*) filter (where contains(payload::varchar, $phone)),
                count(*) filter (where contains(payload::varchar, $ip))
            from raw.events
            """,
            {"email": email, "phone": phone, "ip": ip},
        ).fetchone()
        assert landed == (3, 3, 3, 3)
        quarantined = con.execute(
            "select count(*) from raw.quarantine where contains(excerpt, ?) "
            "and contains(excerpt, ?) and contains(excerpt, ?)",
            [email, phone, ip],
        ).fetchone()[0]
        assert quarantined == 1
        persons = con.execute(
            "select count(*) from marts.dim_persons where user_id = ?", [email]
        ).fetchone()[0]
        assert persons == 1
    finally:
        con.close()
