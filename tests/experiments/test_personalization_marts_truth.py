"""The personalization marts against truth.json (the ``marts_build`` sample)."""

from __future__ import annotations

import math

import pytest


def _served_and_clicked(marts_build) -> dict:
    rows = marts_build.rows(
        """
        select tenant_id, model_version, count(distinct event_id),
            count(*) filter (where is_clicked)
        from marts.fct_recommendation_impressions
        group by all
        """
    )
    return {(t, m): (served, clicked) for t, m, served, clicked in rows}


def test_served_and_clicked_equal_the_truth_less_what_opt_outs_remove(marts_build):
    # truth counts every list served and every click emitted; the marts count what
    # analytics may count (ingest drops the events after an analytics opt-out), so the
    # truth equals the mart plus the truth's events after opt-outs.
    found = _served_and_clicked(marts_build)
    truth = marts_build.truth["recommendations"]
    dropped = 0
    for tenant, counts in truth.items():
        after = marts_build.truth["opt_outs"][tenant]["by_event"]
        for version in marts_build.truth["click_model"]["model_versions"]:
            served, clicked = found[(tenant, version)]
            dropped_served = after.get(f"Recommendation Served.{version}", 0)
            dropped_clicks = after.get(f"Recommendation Clicked.{version}", 0)
            assert served + dropped_served == counts[f"served.{version}"]
            assert clicked + dropped_clicks == counts[f"clicked.{version}"]
            dropped += dropped_served
    assert dropped > 0
    # every list shows 10 items, ranked 1..10
    assert marts_build.rows(
        """
        select count(*) from (
            select tenant_id, event_id from marts.fct_recommendation_impressions
            group by all having count(*) <> 10 or min(rank) <> 1 or max(rank) <> 10)
        """
    ) == [(0,)]


def test_position_bias_curve_recovers_the_click_model(marts_build):
    """examine(r) = 1 / r ** 0.8 is recovered from the impressions within 4 standard errors.

    P(click) = examine(rank) * attract(item). The naive CTR(r) / CTR(1) of
    rpt_recommendation_position_bias mixes examination with ranking quality (better items
    on top), so the estimator here divides the clicks at a rank by the summed true
    attractiveness of the items shown there: E[clicks(r)] = examine(r) * sum(attract).
    Its standard error is sqrt(sum p (1 - p)) / sum(attract) with p = examine * attract
    (independent Bernoulli clicks); at this sample (about 1,140 lists) that is about 7 %
    of examine(r) at rank 1 and about 25 % at rank 10, so the tolerance is 4 standard errors
    per rank (a false failure about once in 1,600 seeds over the 10 ranks), plus a check
    that the naive curve's rank totals agree with the mart's impressions.
    """
    model = marts_build.truth["click_model"]
    attract = model["item_attractiveness"]
    examine = {int(r): p for r, p in model["examine"].items()}
    rows = marts_build.rows(
        "select rank, item_id, is_clicked from marts.fct_recommendation_impressions"
    )
    by_rank: dict[int, list] = {}
    for rank, item, clicked in rows:
        by_rank.setdefault(rank, []).append((attract[item], clicked))
    assert sorted(by_rank) == list(range(1, 11))
    for rank, shown in sorted(by_rank.items()):
        total_attract = sum(a for a, _ in shown)
        clicks = sum(1 for _, c in shown if c)
        estimate = clicks / total_attract
        se = math.sqrt(sum(examine[rank] * a * (1 - examine[rank] * a) for a, _ in shown))
        se /= total_attract
        assert abs(estimate - examine[rank]) <= 4 * se, (rank, estimate, examine[rank], se)
    mart = dict(
        marts_build.rows(
            """
            select rank, sum(clicks) from marts.rpt_recommendation_position_bias
            group by rank
            """
        )
    )
    assert mart == {r: sum(1 for _, c in s if c) for r, s in by_rank.items()}


def test_rec_v2_ranks_better_than_rec_v1(marts_build):
    # truth: rec-v2 ranks with less noise, so its lists hold more attractive items and
    # more clicks per impression, in every tenant.
    rows = marts_build.rows(
        """
        select tenant_id, model_version, click_through_lift, is_control
        from marts.rpt_recommendation_model_lift
        """
    )
    lifts = {(t, m): (lift, control) for t, m, lift, control in rows}
    for tenant in marts_build.truth["recommendations"]:
        assert lifts[(tenant, "rec-v1")] == (0, True)
        assert lifts[(tenant, "rec-v2")][0] > 0


def test_latency_report_counts_every_request_and_orders_percentiles(marts_build):
    rows = marts_build.rows(
        """
        select sum(requests), bool_and(total_p50_ms <= total_p95_ms
            and total_p95_ms <= total_p99_ms),
            sum(total_slo_breaches) <= sum(requests)
        from marts.rpt_recommendation_latency
        """
    )
    served = sum(s for s, _ in _served_and_clicked(marts_build).values())
    assert rows == [(served, True, True)]


def test_quality_report_measures_stay_in_range(marts_build):
    rows = marts_build.rows(
        """
        select min(exposure_gini), max(exposure_gini), min(catalogue_share_shown),
            max(catalogue_share_shown), max(expected_calibration_error),
            sum(impressions), sum(clicks)
        from marts.rpt_recommendation_quality
        """
    )
    gini_min, gini_max, share_min, share_max, ece_max, impressions, clicks = rows[0]
    assert 0 <= gini_min <= gini_max < 1
    assert 0 < share_min <= share_max <= 1
    assert 0 <= ece_max <= 1
    found = _served_and_clicked(marts_build)
    assert impressions == 10 * sum(s for s, _ in found.values())
    assert clicks == sum(c for _, c in found.values())


@pytest.mark.parametrize("k", [1, 3, 5, 10])
def test_ctr_at_k_is_clicks_over_impressions_in_the_top_k(marts_build, k):
    mart = marts_build.rows(
        f"""
        select sum(ctr_at_{k} * requests * {k}) from marts.rpt_recommendation_quality
        """
    )[0][0]
    clicks = marts_build.rows(
        f"select count(*) from marts.fct_recommendation_impressions "
        f"where is_clicked and rank <= {k}"
    )[0][0]
    assert mart == pytest.approx(clicks)
