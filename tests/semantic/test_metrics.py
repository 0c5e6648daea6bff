"""The semantic layer's metrics, queried with `mf query` on a copy of the marts warehouse,
equal the same numbers computed in SQL over the marts and, where the simulator counts them,
its truth. One `dbt parse` and a handful of `mf` runs (each starts dbt: seconds apiece)."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from signalhouse.dbt import run_dbt
from signalhouse.warehouse import PROJECT_DIR

MF = Path(sys.executable).with_name("mf")
# Sessions of non-bot persons: the `sessions` metric's filter, in SQL.
HUMAN_SESSIONS = """
    marts.fct_sessions as sessions
    inner join marts.dim_persons as persons
        on sessions.tenant_id = persons.tenant_id
        and sessions.person_id = persons.person_id
        and not persons.is_bot
"""


@pytest.fixture(scope="module")
def mf(warehouse_copy, tmp_path_factory):
    """Runs `mf query ARGS` on the warehouse copy and returns its rows (dicts of strings)."""
    # MetricFlow reads target/semantic_manifest.json, which dbt writes when it parses.
    outcome = run_dbt(["parse"], warehouse_copy)
    assert outcome.success, outcome.exception
    out_dir = tmp_path_factory.mktemp("mf")
    env = {**os.environ, "SIGNALHOUSE_DB": str(warehouse_copy)}

    def query(*args: str) -> list[dict]:
        out = out_dir / f"query_{len(list(out_dir.iterdir()))}.csv"
        ran = subprocess.run(
            [str(MF), "query", *args, "--csv", str(out)],
            cwd=PROJECT_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert ran.returncode == 0 and out.exists(), f"mf query {args}:\n{ran.stdout}{ran.stderr}"
        with out.open(newline="") as f:
            return list(csv.DictReader(f))

    return query


def _number(text: str) -> float | None:
    return float(text) if text not in ("", None) else None


def _keyed(rows: list[dict], keys: tuple[str, ...], metric: str) -> dict:
    """{(key values...): metric} without the rows where the metric is empty; time keys are
    cut to their date."""
    return {
        tuple(row[k][:10] if k.startswith("metric_time") else row[k] for k in keys): _number(
            row[metric]
        )
        for row in rows
        if row[metric] != ""
    }


def test_weekly_active_persons_and_sessions_equal_the_marts(marts_build, mf):
    rows = mf("--metrics", "active_persons,sessions", "--group-by", "metric_time__week,tenant")
    keys = ("tenant", "metric_time__week")
    active = marts_build.rows(
        """
        select tenant_id, strftime(date_trunc('week', event_date), '%Y-%m-%d'),
            count(distinct person_id)
        from marts.int_product_events_localized
        group by all
        """
    )
    sessions = marts_build.rows(
        f"""
        select sessions.tenant_id, strftime(date_trunc('week', sessions.session_date), '%Y-%m-%d'),
            count(*)
        from {HUMAN_SESSIONS}
        group by all
        """
    )
    assert _keyed(rows, keys, "active_persons") == {(t, w): n for t, w, n in active}
    assert _keyed(rows, keys, "sessions") == {(t, w): n for t, w, n in sessions}
    assert sum(n for *_, n in sessions) > 500


def test_daily_sessions_by_platform_equal_the_truth(marts_build, mf):
    rows = mf(
        "--metrics",
        "sessions",
        "--group-by",
        "metric_time__day,tenant,session__first_platform",
    )
    found = _keyed(rows, ("tenant", "session__first_platform", "metric_time__day"), "sessions")
    # The truth's sessions less those after an analytics opt-out: ingest drops their lines.
    after = marts_build.truth["sessions"]["after_opt_out"]
    expected = {
        (tenant, platform, day): n - after[tenant].get(platform, {}).get(day, 0)
        for tenant, platforms in marts_build.truth["sessions"]["by_tenant"].items()
        for platform, days in platforms.items()
        for day, n in days.items()
        if n - after[tenant].get(platform, {}).get(day, 0)
    }
    assert any(after[tenant] for tenant in after)
    assert found == expected


def test_revenue_by_week_and_currency_equals_the_marts_and_the_truth(marts_build, mf):
    rows = mf(
        "--metrics",
        "orders,revenue",
        "--group-by",
        "metric_time__week,tenant,conversion__currency",
    )
    keys = ("tenant", "conversion__currency", "metric_time__week")
    expected = marts_build.rows(
        """
        select tenant_id, currency, strftime(date_trunc('week', converted_at), '%Y-%m-%d'),
            count(*), sum(revenue)
        from marts.fct_conversions
        group by all
        """
    )
    assert _keyed(rows, keys, "orders") == {(t, c, w): n for t, c, w, n, _ in expected}
    revenue = _keyed(rows, keys, "revenue")
    assert revenue == {(t, c, w): pytest.approx(r) for t, c, w, _, r in expected}
    # Orders the pipeline keeps: the truth's, less those after an analytics opt-out.
    orders = defaultdict(int)
    for (tenant, *_), n in _keyed(rows, keys, "orders").items():
        orders[tenant] += n
    truth = marts_build.truth["conversions"]
    assert orders == {t: c["orders"] - c["orders_after_opt_out"] for t, c in truth.items()}


def test_rates_per_tenant_equal_the_marts_and_the_truth(marts_build, mf):
    metrics = [
        "notifications_delivered",
        "notifications_opened",
        "notification_open_rate",
        "emails_delivered",
        "emails_clicked",
        "email_click_rate",
        "sync_success_rate",
        "api_requests",
        "api_errors",
        "api_error_rate",
        "api_p95_latency_ms",
        "recommendation_ctr",
        "conversion_rate",
        "retention_day_1",
        "retention_day_7",
        "day_1_retained_persons",
        "day_1_observable_persons",
        "day_7_retained_persons",
        "day_7_observable_persons",
    ]
    queried = mf("--metrics", ",".join(metrics), "--group-by", "tenant")
    rows = {row["tenant"]: row for row in queried}
    truth = marts_build.truth
    for tenant, row in rows.items():
        value = {metric: _number(row[metric]) for metric in metrics}
        notifications, emails = truth["notifications"][tenant], truth["emails"][tenant]
        api = truth["api"][tenant]
        assert value["notifications_delivered"] == notifications["delivered"]
        assert value["notifications_opened"] == notifications["opened"]
        assert value["notification_open_rate"] == pytest.approx(
            notifications["opened"] / notifications["delivered"]
        )
        assert (value["emails_delivered"], value["emails_clicked"]) == (
            emails["delivered"],
            emails["clicked"],
        )
        assert value["email_click_rate"] == pytest.approx(emails["clicked"] / emails["delivered"])
        # Background syncs go on after an analytics opt-out; ingest drops those events.
        kept = truth["syncs_kept"][tenant]
        completed = sum(n for k, n in kept.items() if k.startswith("completed."))
        failed = sum(n for k, n in kept.items() if k.startswith("failed."))
        assert value["sync_success_rate"] == pytest.approx(completed / (completed + failed))
        errors = api["status_4xx"] + api["status_5xx"]
        assert (value["api_requests"], value["api_errors"]) == (api["requests"], errors)
        assert value["api_error_rate"] == pytest.approx(errors / api["requests"])

    by_sql = {
        "api_p95_latency_ms": "select tenant_id, quantile_cont(latency_ms, 0.95) "
        "from marts.fct_api_requests group by all",
        "recommendation_ctr": "select tenant_id, avg(is_clicked::int) "
        "from marts.fct_recommendation_impressions group by all",
        "conversion_rate": "select sessions.tenant_id, avg((sessions.order_count > 0)::int) "
        f"from {HUMAN_SESSIONS} group by all",
    }
    for metric, sql in by_sql.items():
        expected = {tenant: pytest.approx(v) for tenant, v in marts_build.rows(sql)}
        assert {t: _number(r[metric]) for t, r in rows.items()} == expected, metric

    # Day-N retention is rpt_retention's (activity, day cohorts, n_day) over observable cohorts.
    retention = marts_build.rows(
        """
        select tenant_id, period_index, sum(retained_persons), sum(cohort_persons)
        from marts.rpt_retention
        where retention_id = 'activity' and cohort_grain = 'day' and retention_mode = 'n_day'
            and period_index in (1, 7) and is_observable
        group by all
        """
    )
    assert len(retention) == 2 * len(rows)
    for tenant, day, retained, cohort in retention:
        row = rows[tenant]
        assert _number(row[f"day_{day}_retained_persons"]) == retained
        assert _number(row[f"day_{day}_observable_persons"]) == cohort
        assert _number(row[f"retention_day_{day}"]) == pytest.approx(retained / cohort)


def test_funnel_conversion_equals_the_truth(marts_build, mf):
    rows = mf(
        "--metrics",
        "funnel_entered_persons,funnel_converted_persons,funnel_conversion_rate",
        "--group-by",
        "tenant,funnel_attempt__funnel_id",
    )
    keys = ("tenant", "funnel_attempt__funnel_id")
    entered = _keyed(rows, keys, "funnel_entered_persons")
    converted = _keyed(rows, keys, "funnel_converted_persons")
    for tenant, funnels in marts_build.truth["funnels"]["by_tenant"].items():
        for funnel, steps in funnels.items():
            assert (entered[tenant, funnel], converted.get((tenant, funnel), 0)) == (
                steps[0],
                steps[-1],
            ), (tenant, funnel)
    # Every funnel, the simulator's or not: rpt_funnel_steps' first and last step.
    expected = marts_build.rows(
        """
        select tenant_id, funnel_id, max_by(persons_completed, -step_index),
            max_by(persons_completed, step_index)
        from marts.rpt_funnel_steps
        where breakdown_type = 'all'
        group by all
        """
    )
    assert {k: (entered[k], converted.get(k, 0)) for k in entered} == {
        (t, f): (first, last) for t, f, first, last in expected
    }


def test_experiment_conversion_by_variant_equals_the_truth(marts_build, mf):
    rows = mf("--saved-query", "experiment_conversion_by_variant")
    keys = ("tenant", "experiment_person__experiment_id", "experiment_person__variant_id")
    truth = marts_build.truth["experiments"]
    for metric, counts in (
        ("experiment_persons", "assigned"),
        ("experiment_converted_persons", "converted"),
    ):
        assert _keyed(rows, keys, metric) == {
            (tenant, experiment, variant): n
            for experiment, spec in truth.items()
            for tenant, variants in spec[counts].items()
            for variant, n in variants.items()
        }, metric
