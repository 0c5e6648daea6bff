"""Generate -> ingest -> dbt build, checked against the simulator's ground truth."""

from __future__ import annotations

import json
from collections import Counter

import duckdb

# Simulator defect kinds that ingest reports under a broader reason code.
REASON_OF_DEFECT = {"truncated": "not_json", "trailing_garbage": "not_json"}


def _expected_reasons(truth_file: dict) -> dict[str, int]:
    reasons: Counter[str] = Counter()
    for kind, count in truth_file["defects_intact"].items():
        reasons[REASON_OF_DEFECT.get(kind, kind)] += count
    if truth_file["truncated_archive"] and truth_file["partial_line"]:
        reasons["corrupt_archive"] += 1
    return {reason: count for reason, count in sorted(reasons.items()) if count}


def test_the_ledger_matches_the_truth_for_every_file(warehouse):
    results = {
        result.path.relative_to(warehouse.data).as_posix(): result
        for result in warehouse.ingest.files
    }
    assert set(results) == set(warehouse.truth["files"])
    for path, expected in warehouse.truth["files"].items():
        result = results[path]
        partial = int(expected["truncated_archive"] and expected["partial_line"])
        assert result.lines_read == expected["lines_intact"] + partial, path
        assert result.lines_loaded == expected["valid_lines_intact"], path
        assert result.lines_blank == expected["blank_lines_intact"], path
        assert result.quarantined_by_reason == _expected_reasons(expected), path
        assert result.status == ("corrupt_archive" if expected["truncated_archive"] else "loaded")
        assert result.lines_read == (
            result.lines_loaded + result.lines_quarantined + result.lines_blank
        )


def test_every_defect_kind_was_exercised(warehouse):
    # A reconciliation over a sample without defects would prove nothing.
    seen = Counter()
    for expected in warehouse.truth["files"].values():
        seen.update(expected["defects_intact"])
    reasons = {REASON_OF_DEFECT.get(kind, kind) for kind in seen}
    assert {
        "not_json",
        "not_an_object",
        "invalid_unicode",
        "duplicate_key",
        "non_finite_number",
        "invalid_timestamp",
        "unknown_type",
    } <= reasons
    assert any(kind.startswith("wrong_type:") for kind in reasons)
    assert any(kind.startswith("missing_field:") for kind in reasons)
    assert sum(1 for f in warehouse.truth["files"].values() if f["truncated_archive"]) == 1


def test_dbt_build_passes_and_staging_keeps_each_message_once(warehouse):
    assert warehouse.build.success, (warehouse.build.errors, warehouse.build.failed_tests)
    con = duckdb.connect(str(warehouse.db), read_only=True)
    try:
        staged = dict(
            con.execute(
                "select tenant_id, count(*) from staging.stg_segment__events group by all"
            ).fetchall()
        )
        raw_rows = con.execute("select count(*) from raw.events").fetchone()[0]
        schemas = {
            row[0]
            for row in con.execute(
                "select distinct table_schema from information_schema.tables"
            ).fetchall()
        }
    finally:
        con.close()
    expected = {
        tenant: counts["distinct_valid_messages_intact"]
        for tenant, counts in warehouse.truth["messages"].items()
    }
    assert staged == expected
    duplicates = sum(
        sum(counts["duplicates"].values()) for counts in warehouse.truth["messages"].values()
    )
    assert duplicates > 0 and raw_rows > sum(staged.values())
    assert {"raw", "staging"} <= schemas
    assert not {schema for schema in schemas if schema.startswith("main_")}


def test_the_ledger_reports_quarantine_by_reason_as_json(warehouse):
    con = duckdb.connect(str(warehouse.db), read_only=True)
    try:
        ledger = con.execute("select quarantined_by_reason from raw.files").fetchall()
        quarantine = dict(
            con.execute("select reason, count(*) from raw.quarantine group by all").fetchall()
        )
    finally:
        con.close()
    totals: Counter[str] = Counter()
    for (by_reason,) in ledger:
        totals.update(json.loads(by_reason))
    assert dict(totals) == quarantine


def test_removed_copies_are_recorded_as_duplicates_and_collisions(warehouse):
    con = duckdb.connect(str(warehouse.db), read_only=True)
    try:
        removed = con.execute(
            "select tenant_id, reason, count(*) from staging.stg_segment__event_duplicates "
            "group by all"
        ).fetchall()
        kept_collisions = con.execute(
            "select tenant_id, event_id, _source_file, _line_number "
            "from staging.stg_segment__events "
            "where event_id in (select event_id from staging.stg_segment__event_duplicates "
            "where reason = 'collision')"
        ).fetchall()
    finally:
        con.close()
    counts = {(tenant, reason): count for tenant, reason, count in removed}
    for tenant, truth in warehouse.truth["messages"].items():
        assert counts.get((tenant, "duplicate"), 0) == sum(truth["duplicates"].values())
        assert counts.get((tenant, "collision"), 0) == truth["collisions"]
    # Every collided id the simulator planted is recorded, and kept once in staging.
    collided = {
        (tenant, message_id)
        for tenant, truth in warehouse.truth["messages"].items()
        for message_id in truth["collided_message_ids"]
    }
    assert {(tenant, event_id) for tenant, event_id, _, _ in kept_collisions} == collided
