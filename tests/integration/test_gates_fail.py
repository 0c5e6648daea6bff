"""The gates added so far turn red on a seeded violation (a gate that cannot fail is a defect)."""

from __future__ import annotations

import shutil

import duckdb
import pytest

from signalhouse.dbt import run_dbt


@pytest.fixture
def broken_copy(warehouse, tmp_path):
    """A copy of the built integration warehouse to damage."""
    copy = tmp_path / "broken.duckdb"
    shutil.copy(warehouse.db, copy)
    return copy


def _damage(db, statement: str) -> None:
    con = duckdb.connect(str(db))
    try:
        con.execute(statement)
    finally:
        con.close()


def test_the_ledger_test_fails_when_a_loaded_line_goes_missing(warehouse, broken_copy):
    assert run_dbt(["test", "--select", "assert_ledger_conserves_lines"], broken_copy).success
    _damage(broken_copy, "delete from raw.events where rowid = (select min(rowid) from raw.events)")
    outcome = run_dbt(["test", "--select", "assert_ledger_conserves_lines"], broken_copy)
    assert not outcome.success
    assert outcome.failed_tests == ["test.signalhouse.assert_ledger_conserves_lines"]


def test_the_staging_key_test_fails_on_a_duplicated_event(warehouse, broken_copy):
    select = ["--select", "stg_segment__events,test_type:data"]
    assert run_dbt(["test", *select], broken_copy).success
    _damage(
        broken_copy,
        "insert into staging.stg_segment__events select * from staging.stg_segment__events limit 1",
    )
    outcome = run_dbt(["test", *select], broken_copy)
    assert not outcome.success
    assert any("unique_combination_of_columns" in test for test in outcome.failed_tests)
