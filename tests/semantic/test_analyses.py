"""Every analysis in analyses/ compiles, runs on the marts warehouse and answers its
question with numbers that agree with the marts and the simulator's truth."""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest

from signalhouse.dbt import run_dbt
from signalhouse.warehouse import PROJECT_DIR

ANALYSES_DIR = PROJECT_DIR / "analyses"
COMPILED_DIR = PROJECT_DIR / "target" / "compiled" / "signalhouse" / "analyses"
MOBILE_PLATFORMS = ("ios", "android", "mobile")


@pytest.fixture(scope="module")
def analyses(marts_build, warehouse_copy) -> dict[str, list[dict]]:
    """Each analysis's rows (as dicts), compiled once and run read-only on the fixture."""
    outcome = run_dbt(["compile", "--select", "path:analyses"], warehouse_copy)
    assert outcome.success, (outcome.errors, outcome.exception)
    results = {}
    for source in sorted(ANALYSES_DIR.glob("*.sql")):
        con = marts_build.connect()
        try:
            cursor = con.execute((COMPILED_DIR / source.name).read_text())
            columns = [column[0] for column in cursor.description]
            results[source.stem] = [
                dict(zip(columns, row, strict=True)) for row in cursor.fetchall()
            ]
        finally:
            con.close()
    return results


def test_every_analysis_runs_and_answers(analyses):
    assert len(analyses) == 5, sorted(analyses)
    empty = [name for name, rows in analyses.items() if not rows]
    assert not empty, f"analyses returned no rows: {empty}"


def test_notification_campaign_sessions_within_a_day(marts_build, analyses):
    # Recomputed here from the marts, open by open, with Python's own window arithmetic.
    sessions = defaultdict(list)
    for tenant, person, session, started in marts_build.rows(
        "select tenant_id, person_id, session_id, started_at from marts.fct_sessions"
    ):
        sessions[tenant, person].append((session, started))
    expected = defaultdict(set)
    for tenant, campaign, person, opened in marts_build.rows(
        "select tenant_id, campaign_id, person_id, opened_at from marts.fct_notifications "
        "where is_opened"
    ):
        expected[tenant, campaign] |= {
            session
            for session, started in sessions[tenant, person]
            if opened <= started < opened + timedelta(hours=24)
        }
    rows = analyses["notification_campaign_sessions"]
    found = {(r["tenant_id"], r["campaign_id"]): r["sessions_within_a_day"] for r in rows}
    assert found == {key: len(found_sessions) for key, found_sessions in expected.items()}
    assert sum(found.values()) > 20
    # Opens per tenant are the simulator's.
    opened = defaultdict(int)
    for r in rows:
        opened[r["tenant_id"]] += r["notifications_opened"]
    truth = marts_build.truth["notifications"]
    assert dict(opened) == {tenant: counts["opened"] for tenant, counts in truth.items()}
    for tenant in truth:
        ranked = sorted(
            (r for r in rows if r["tenant_id"] == tenant), key=lambda r: r["campaign_rank"]
        )
        assert [r["sessions_within_a_day"] for r in ranked] == sorted(
            (r["sessions_within_a_day"] for r in ranked), reverse=True
        )


def test_api_first_week_latency_and_retention(marts_build, analyses):
    requests = defaultdict(list)
    for tenant, account, at, ok in marts_build.rows(
        "select tenant_id, account_id, requested_at, is_success from marts.fct_api_requests"
    ):
        requests[tenant, account].append((at, ok))
    data_end = {
        tenant: max(at for (t, _), rs in requests.items() if t == tenant for at, _ in rs)
        for tenant, _ in requests
    }
    accounts, retained, observable = (defaultdict(int) for _ in range(3))
    for (tenant, _), rs in requests.items():
        successes = [at for at, ok in rs if ok]
        if not successes:
            continue
        first = min(successes)
        accounts[tenant] += 1
        retained[tenant] += any(at >= first + timedelta(days=7) for at in successes)
        observable[tenant] += first + timedelta(days=14) <= data_end[tenant]
    rows = analyses["api_first_week_latency_retention"]
    for expected, column in ((accounts, "api_accounts"), (retained, "retained_accounts")):
        found = defaultdict(int)
        for r in rows:
            found[r["tenant_id"]] += r[column]
        assert found == expected, column
    # The accounts are those rpt_api_value_realization saw reach a first value.
    assert (
        sum(accounts.values())
        == marts_build.rows(
            "select count(*) from marts.rpt_api_value_realization "
            "where first_successful_request_at is not null"
        )[0][0]
    )
    assert sum(r["observable_accounts"] for r in rows) == sum(observable.values())
    for tenant in accounts:
        halves = {r["latency_half"]: r for r in rows if r["tenant_id"] == tenant}
        if len(halves) == 2:
            assert (
                halves["faster half"]["max_first_week_p95_latency_ms"]
                <= halves["slower half"]["min_first_week_p95_latency_ms"]
            )


def test_recommendation_model_lift_counts_equal_the_truth(marts_build, analyses):
    rows = analyses["recommendation_model_lift"]
    truth = marts_build.truth["experiments"]["exp_rec_model"]
    assert {(r["tenant_id"], r["model_version"]): r["persons"] for r in rows} == {
        (tenant, variant): n
        for tenant, variants in truth["assigned"].items()
        for variant, n in variants.items()
    }
    assert {(r["tenant_id"], r["model_version"]): r["converted_persons"] for r in rows} == {
        (tenant, variant): n
        for tenant, variants in truth["converted"].items()
        for variant, n in variants.items()
    }
    # The click side comes from rpt_recommendation_model_lift for the same persons.
    clicks = marts_build.rows(
        "select tenant_id, model_version, persons, clicks "
        "from marts.rpt_recommendation_model_lift where experiment_id = 'exp_rec_model'"
    )
    assert {(r["tenant_id"], r["model_version"], r["persons"], r["clicks"]) for r in rows} == (
        set(clicks)
    )
    assert sum(r["is_control"] for r in rows) == len(truth["assigned"])


def test_signup_funnel_mobile_dropoff_equals_the_funnel_mart(marts_build, analyses):
    rows = analyses["signup_funnel_mobile_dropoff"]
    expected = marts_build.rows(
        """
        select tenant_id, breakdown_value, step_index, persons_completed
        from marts.rpt_funnel_steps
        where funnel_id = 'signup_to_order' and breakdown_type = 'platform'
            and breakdown_value in ('ios', 'android', 'mobile')
        """
    )
    assert expected, "rpt_funnel_steps has no mobile rows for signup_to_order"
    assert {
        (r["tenant_id"], r["entry_platform"], r["step_index"]): r["persons_reached"] for r in rows
    } == {(t, p, s): n for t, p, s, n in expected}
    biggest = defaultdict(int)
    for r in rows:
        biggest[r["tenant_id"], r["entry_platform"]] += r["is_biggest_loss"]
        if r["step_index"] > 1:
            previous = next(
                p["persons_reached"]
                for p in rows
                if (p["tenant_id"], p["entry_platform"], p["step_index"])
                == (r["tenant_id"], r["entry_platform"], r["step_index"] - 1)
            )
            assert r["persons_lost"] == previous - r["persons_reached"]
    assert set(biggest.values()) == {1}


def test_attribution_models_credit_the_same_conversions(marts_build, analyses):
    rows = analyses["attribution_channel_credit"]
    totals = defaultdict(lambda: [0.0, 0.0, 0.0, 0.0])
    for r in rows:
        total = totals[r["tenant_id"], r["attribution_model"]]
        total[0] += r["conversions_credited"]
        total[1] += r["share_of_conversions"]
        total[2] += r["revenue_credited_usd"]
        total[3] += r["revenue_credited_eur"]
    conversions = dict(
        marts_build.rows(
            "select tenant_id, count(distinct conversion_id) "
            "from marts.fct_attribution_credits group by all"
        )
    )
    models = {model for _, model in totals}
    assert len(models) >= 4, models
    for (tenant, _), (credited, share, usd, eur) in totals.items():
        assert credited == pytest.approx(conversions[tenant])
        assert share == pytest.approx(1.0)
        reference = totals[tenant, "last_touch"]
        assert (usd, eur) == (pytest.approx(reference[2]), pytest.approx(reference[3]))
