"""The warn-severity anomaly tests fire on a seeded anomaly and stay quiet without one."""

from __future__ import annotations

import shutil

import duckdb

from signalhouse.dbt import run_dbt
from tests.conftest import stored_test_failures

TEST_NAME = "no_recent_anomaly_event_volume"


def _flagged_rows(db) -> int | None:
    """Rows the test stored in audit; None when it stored none (a passing test keeps no table)."""
    stored = stored_test_failures(db, TEST_NAME)
    return None if stored is None else len(stored)


def test_anomaly_test_warns_on_a_seeded_anomaly(marts_build, tmp_path) -> None:
    db = tmp_path / "warehouse.duckdb"
    shutil.copy(marts_build.db, db)
    # The clean sample's last complete day is not anomalous: the test stores nothing.
    assert _flagged_rows(db) is None
    con = duckdb.connect(str(db))
    try:
        con.execute(
            """
            update marts.rpt_anomalies set is_anomaly = true, direction = 'above'
            where metric = 'event_volume' and tenant_id = 'acme' and metric_date = (
                select max(metric_date) from marts.rpt_anomalies where tenant_id = 'acme'
            )
            """
        )
    finally:
        con.close()
    outcome = run_dbt(["test", "--select", TEST_NAME], db)
    # severity: warn — the build goes on, but the stored failures name the anomaly.
    assert outcome.success and not outcome.failed_tests, outcome
    assert _flagged_rows(db) == 1

    # Once the anomaly is gone the test passes, and the rows an earlier run stored go too.
    con = duckdb.connect(str(db))
    try:
        con.execute(
            "update marts.rpt_anomalies set is_anomaly = false "
            "where metric = 'event_volume' and is_anomaly"
        )
    finally:
        con.close()
    assert run_dbt(["test", "--select", TEST_NAME], db).success
    assert _flagged_rows(db) is None
