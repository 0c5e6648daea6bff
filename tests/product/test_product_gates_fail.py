"""The product gates turn red on a seeded violation (a gate that cannot fail is a defect)."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from signalhouse.dbt import run_dbt


@pytest.fixture
def broken_copy(marts_build, tmp_path):
    """A copy of the marts sample warehouse to damage (the shared one stays read-only)."""
    copy = tmp_path / "broken.duckdb"
    shutil.copy(marts_build.db, copy)
    return copy


def _damage(db, statement: str) -> None:
    con = duckdb.connect(str(db))
    try:
        con.execute(statement)
    finally:
        con.close()


def test_credits_sum_test_fails_when_a_credit_is_lost(broken_copy) -> None:
    select = ["--select", "assert_attribution_credits_sum_to_one"]
    assert run_dbt(["test", *select], broken_copy).success
    _damage(
        broken_copy,
        "delete from marts.fct_attribution_credits where attribution_model = 'linear' "
        "and touch_position = 1",
    )
    outcome = run_dbt(["test", *select], broken_copy)
    assert not outcome.success
    assert outcome.failed_tests == ["test.signalhouse.assert_attribution_credits_sum_to_one"]


def test_funnel_config_test_fails_on_a_gap_in_step_numbers(broken_copy) -> None:
    select = ["--select", "funnel_steps_are_numbered_from_one"]
    assert run_dbt(["test", *select], broken_copy).success
    _damage(
        broken_copy,
        "update staging.funnel_steps set step_index = 5 "
        "where funnel_id = 'api_activation' and step_index = 3",
    )
    outcome = run_dbt(["test", *select], broken_copy)
    assert not outcome.success
    assert outcome.failed_tests == ["test.signalhouse.funnel_steps_are_numbered_from_one"]
