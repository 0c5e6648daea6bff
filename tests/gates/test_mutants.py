"""Every gate turns red on a seeded violation (a gate that cannot fail is a defect).

Each test damages a copy of the clean marts warehouse (or adds a small mart) in one
targeted way and checks that exactly the gate meant to catch it fails, with a message
naming the expectation. The clean warehouse passes first, so a red gate is the mutant's doing.
"""

from __future__ import annotations

import duckdb
import pytest

from signalhouse.dbt import run_dbt
from signalhouse.nightly import STALE_STATUSES, check_freshness

BUILT = [
    "raw.batch",
    "staging.events",
    "marts.fct_events",
    "marts.fct_sessions",
    "marts.dim_persons",
    "marts.dim_identity_map",
]


def failed_expectations(result) -> set[str]:
    return {failure["expectation"] for failure in result.failures}


def test_the_clean_warehouse_passes_every_suite(marts_build, check):
    results, outcome = check(marts_build.db)
    assert outcome.success
    for result in results.values():
        assert result.status == "passed", (result.suite, result.detail)
        assert result.rows > 0 and result.expectations > 0, result.suite
    assert set(BUILT) <= set(results)


def test_a_mart_that_is_not_built_is_skipped_not_passed(damaged, check):
    db, damage = damaged
    damage("drop table marts.rpt_funnel_steps")
    results, outcome = check(db, ["marts.rpt_funnel_steps", "marts.fct_events"])
    assert results["marts.rpt_funnel_steps"].status == "skipped"
    assert results["marts.rpt_funnel_steps"].detail.startswith("mart not built")
    assert results["marts.fct_events"].status == "passed"


def test_a_duplicated_event_id_fails_staging_and_fct_events(damaged, check):
    db, damage = damaged
    damage(
        "insert into staging.stg_segment__events select * from staging.stg_segment__events limit 1",
        "insert into marts.fct_events select * from marts.fct_events limit 1",
    )
    results, outcome = check(db, ["staging.events", "marts.fct_events"])
    assert not outcome.success
    for name in ("staging.events", "marts.fct_events"):
        assert results[name].status == "failed"
        assert failed_expectations(results[name]) == {"expect_column_values_to_be_between"}
        assert "(duplicate_event_ids): 1 unexpected" in results[name].detail


def test_a_null_key_fails_the_sessions_suite(damaged, check):
    db, damage = damaged
    damage(
        "update marts.fct_sessions set person_id = null "
        "where session_id = (select min(session_id) from marts.fct_sessions)"
    )
    results, _ = check(db, ["marts.fct_sessions"])
    assert results["marts.fct_sessions"].status == "failed"
    assert failed_expectations(results["marts.fct_sessions"]) == {
        "expect_column_values_to_not_be_null"
    }
    assert "person_id" in results["marts.fct_sessions"].detail


def test_a_session_ending_before_it_starts_fails(damaged, check):
    db, damage = damaged
    damage(
        "update marts.fct_sessions set ended_at = started_at - interval 1 hour "
        "where session_id = (select min(session_id) from marts.fct_sessions)"
    )
    results, _ = check(db, ["marts.fct_sessions"])
    assert "expect_column_pair_values_a_to_be_greater_than_b" in failed_expectations(
        results["marts.fct_sessions"]
    )


def test_an_event_name_outside_the_catalogue_fails_the_batch(damaged, check):
    db, damage = damaged
    damage(
        "update raw.events set event = 'Totally New Event' "
        "where rowid = (select min(rowid) from raw.events where type = 'track')"
    )
    results, _ = check(db, ["raw.batch"])
    assert results["raw.batch"].status == "failed"
    assert "Totally New Event" in results["raw.batch"].detail


def test_a_timestamp_out_of_range_fails_the_batch(damaged, check):
    db, damage = damaged
    damage(
        "update raw.events set timestamp_at = timestamptz '1970-01-01 00:00:00+00' "
        "where rowid = (select min(rowid) from raw.events)"
    )
    results, _ = check(db, ["raw.batch"])
    assert results["raw.batch"].status == "failed"
    assert "(timestamps_out_of_range): 1 unexpected" in results["raw.batch"].detail


def test_an_empty_load_fails_the_batch(damaged, check, gx_root, tmp_path):
    from signalhouse.check import run_check

    db, damage = damaged
    damage("insert into raw.ingest_runs (load_id, started_at) values ('empty-run', now())")
    outcome = run_check(
        db, load_id="empty-run", gx_root=gx_root, results_dir=tmp_path / "r", data_docs=False
    )
    batch = next(r for r in outcome.suites if r.suite == "raw.batch")
    assert not outcome.success and batch.rows == 0
    assert "expect_table_row_count_to_be_between" in failed_expectations(batch)


FUNNEL = """
update marts.rpt_funnel_steps set persons_completed = {third}, conversion_from_start = {rate}
where (tenant_id, funnel_id, breakdown_type, step_index) = ('acme', 'signup_to_order', 'all', 4)
"""


@pytest.mark.parametrize(
    ("third", "rate", "broken"),
    [
        (1, 0.01, None),
        (1, 1.2, "expect_column_values_to_be_between"),
        (100000, 0.5, "expect_column_pair_values_a_to_be_greater_than_b"),
    ],
    ids=["clean", "rate_above_1", "step_increases"],
)
def test_the_funnel_suite_catches_rates_above_one_and_increasing_steps(
    damaged, check, third, rate, broken
):
    db, damage = damaged
    damage(FUNNEL.format(third=third, rate=rate))
    results, _ = check(db, ["marts.rpt_funnel_steps"])
    result = results["marts.rpt_funnel_steps"]
    if broken is None:
        assert result.status == "passed", result.detail
    else:
        assert result.status == "failed" and failed_expectations(result) == {broken}


CREDITS = """
update marts.fct_attribution_credits set credit = credit * {credit}
where (tenant_id, attribution_model) = ('acme', 'linear')
    and conversion_id = (
        select min(conversion_id) from marts.fct_attribution_credits
        where (tenant_id, attribution_model) = ('acme', 'linear')
    )
"""


@pytest.mark.parametrize(("credit", "passes"), [(1.0, True), (0.7, False)])
def test_credits_that_do_not_sum_to_one_fail(damaged, check, credit, passes):
    db, damage = damaged
    damage(CREDITS.format(credit=credit))
    results, _ = check(db, ["marts.fct_attribution_credits"])
    result = results["marts.fct_attribution_credits"]
    assert (result.status == "passed") is passes, result.detail
    if not passes:
        assert "credit_sum" in result.detail


EXPERIMENTS = [
    "",
    "update marts.rpt_experiment_health set is_sample_ratio_mismatch = null "
    "where variant_id = 'control'",
    "alter table marts.rpt_experiment_health drop column is_sample_ratio_mismatch",
]


@pytest.mark.parametrize(
    ("mutation", "passes"),
    [(EXPERIMENTS[0], True), (EXPERIMENTS[1], False), (EXPERIMENTS[2], False)],
    ids=["flag_present", "flag_null", "flag_column_missing"],
)
def test_experiment_health_must_carry_an_srm_flag(damaged, check, mutation, passes):
    db, damage = damaged
    if mutation:
        damage(mutation)
    results, _ = check(db, ["marts.rpt_experiment_health"])
    result = results["marts.rpt_experiment_health"]
    assert (result.status == "passed") is passes, result.detail
    if "drop column" in mutation:
        assert "lacks column(s) is_sample_ratio_mismatch" in result.detail


def test_a_stale_source_fails_freshness(damaged):
    db, damage = damaged
    fresh = {row["source"]: row["status"] for row in check_freshness(db)}
    assert fresh["segment.events"] == "pass"
    damage("update raw.events set _loaded_at = _loaded_at - interval 3 day")
    stale = {row["source"]: row for row in check_freshness(db)}
    assert stale["segment.events"]["status"] in STALE_STATUSES
    assert stale["segment.events"]["age_hours"] > 50


def test_a_null_key_fails_the_dbt_test_and_stores_the_failing_row(damaged):
    db, damage = damaged
    damage(
        "update marts.fct_sessions set person_id = null "
        "where session_id = (select min(session_id) from marts.fct_sessions)"
    )
    outcome = run_dbt(["test", "--select", "fct_sessions,test_type:data"], db)
    assert not outcome.success
    assert any("not_null_fct_sessions_person_id" in test for test in outcome.failed_tests)
    con = duckdb.connect(str(db), read_only=True)
    try:
        (table,) = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_name like 'not_null_fct_sessions_person_id%'"
        ).fetchone()
        assert table.startswith("audit.")
        assert con.execute(f"select count(*) from {table}").fetchone()[0] == 1
    finally:
        con.close()


def test_the_check_command_exits_4_and_names_the_failed_suite(
    damaged, gx_root, monkeypatch, capsys
):
    from signalhouse import check as check_module
    from signalhouse.cli import EXIT_DATA_QUALITY, EXIT_OK, main

    monkeypatch.setattr(check_module, "GX_ROOT", gx_root)
    db, damage = damaged
    assert main(["check", "--db", str(db)]) == EXIT_OK
    damage("insert into marts.fct_events select * from marts.fct_events limit 1")
    assert main(["check", "--db", str(db)]) == EXIT_DATA_QUALITY
    err = capsys.readouterr().err
    assert "failed   marts.fct_events" in err and "data-quality failure" in err
    assert "Data Docs" in err and "results JSON" in err
