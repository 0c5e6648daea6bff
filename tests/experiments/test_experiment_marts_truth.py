"""The experiment marts against truth.json and, row by row, against gbstats.

Sample: the shared ``marts_build`` fixture (300 users, 14 days, 2 tenants, seed 23).
"""

from __future__ import annotations

import math

import pytest
from gbstats.frequentist.tests import FrequentistConfig, TwoSidedTTest
from gbstats.models.statistics import (
    ProportionStatistic,
    RatioStatistic,
    RegressionAdjustedStatistic,
    SampleMeanStatistic,
)
from gbstats.utils import check_srm

ALPHA = 0.05


def _counts(marts_build, sql: str) -> dict:
    out: dict = {}
    for experiment, tenant, variant, n in marts_build.rows(sql):
        out.setdefault(experiment, {}).setdefault(tenant, {})[variant] = n
    return out


def test_assignments_equal_the_truth_per_tenant_and_variant(marts_build):
    found = _counts(
        marts_build,
        """
        select experiment_id, tenant_id, variant_id, count(*)
        from marts.fct_experiment_assignments
        where is_analyzed
        group by all
        """,
    )
    expected = {e: spec["assigned"] for e, spec in marts_build.truth["experiments"].items()}
    assert found == expected
    # The simulator shows each person one variant: nobody is multi-variant, nothing dropped.
    multi = marts_build.rows(
        "select count(*) from marts.fct_experiment_assignments where is_multi_variant"
    )
    assert multi == [(0,)]


def test_conversions_equal_the_truth(marts_build):
    # truth: persons with an Order Completed at or after their first exposure; the demo
    # registry's 720 h window covers the whole 14-day sample, so the definitions coincide.
    found = _counts(
        marts_build,
        """
        select experiment_id, tenant_id, variant_id, metric_sum::bigint
        from marts.fct_experiment_metric_statistics
        where metric_id = 'converted' and dimension_name = 'overall'
        """,
    )
    expected = {e: spec["converted"] for e, spec in marts_build.truth["experiments"].items()}
    assert found == expected


def test_health_reports_srm_as_gbstats_on_the_true_counts(marts_build):
    rows = marts_build.rows(
        """
        select experiment_id, tenant_id, variant_id, persons, intended_weight, srm_p_value,
            is_sample_ratio_mismatch, multi_variant_share
        from marts.rpt_experiment_health
        order by all
        """
    )
    truth = marts_build.truth["experiments"]
    assert {(r[0], r[1], r[2]) for r in rows} == {
        (e, t, v) for e, s in truth.items() for t, vs in s["assigned"].items() for v in vs
    }
    for experiment, tenant, variant, persons, weight, p_value, flagged, share in rows:
        spec = truth[experiment]
        assert persons == spec["assigned"][tenant][variant]
        assert weight == spec["variants"][variant]
        variants = sorted(spec["variants"])
        expected = check_srm(
            [spec["assigned"][tenant][v] for v in variants],
            [spec["variants"][v] for v in variants],
        )
        assert p_value == pytest.approx(expected, abs=1e-12)
        # Simulated assignment is a fair coin: no mismatch at the 0.001 threshold.
        assert flagged is False
        assert share == 0


def _gbstat(metric_type: str, stats: dict, adjusted: bool):
    def moments(prefix):
        return SampleMeanStatistic(
            n=stats["n"], sum=stats[f"{prefix}_sum"], sum_squares=stats[f"{prefix}_sum_squares"]
        )

    if metric_type == "ratio":
        return RatioStatistic(
            n=stats["n"],
            m_statistic=moments("metric"),
            d_statistic=moments("denominator"),
            m_d_sum_of_products=stats["metric_denominator_sum_products"],
        )
    if metric_type == "proportion":
        post = ProportionStatistic(n=stats["n"], sum=stats["metric_sum"])
        pre = ProportionStatistic(n=stats["n"], sum=stats["pre_exposure_sum"])
    else:
        post, pre = moments("metric"), moments("pre_exposure")
    if not adjusted:
        return post
    return RegressionAdjustedStatistic(
        n=stats["n"],
        post_statistic=post,
        pre_statistic=pre,
        post_pre_sum_of_products=stats["metric_pre_exposure_sum_products"],
        theta=0,
    )


def test_every_result_row_matches_gbstats_on_its_sufficient_statistics(marts_build):
    con = marts_build.connect()
    try:
        stats = con.execute("select * from marts.fct_experiment_metric_statistics").df()
        results = con.execute(
            "select * from marts.rpt_experiment_results where not is_control"
        ).df()
    finally:
        con.close()
    keys = ["tenant_id", "experiment_id", "metric_id", "dimension_name", "dimension_value"]
    by_key = {tuple(r[k] for k in [*keys, "variant_id"]): r for r in stats.to_dict("records")}
    control = {tuple(r[k] for k in keys): r for r in stats.to_dict("records") if r["is_control"]}
    compared = 0
    for row in results.to_dict("records"):
        key = tuple(row[k] for k in keys)
        a_stats, b_stats = control[key], by_key[(*key, row["variant_id"])]
        adjusted = row["adjustment"] == "cuped"
        for relative in (True, False):
            test = TwoSidedTTest(
                _gbstat(row["metric_type"], a_stats, adjusted),
                _gbstat(row["metric_type"], b_stats, adjusted),
                FrequentistConfig(
                    difference_type="relative" if relative else "absolute", alpha=ALPHA
                ),
            )
            theirs = test.compute_result()
            prefix = "relative" if relative else "absolute"
            if theirs.error_message:
                # gbstats returns a zero default; the mart leaves the comparison empty and
                # says why.
                assert row["note"], row
                continue
            assert row[f"{prefix}_difference"] == pytest.approx(theirs.expected, abs=1e-6)
            assert row[f"{prefix}_ci_lower"] == pytest.approx(theirs.ci[0], abs=1e-6)
            assert row[f"{prefix}_ci_upper"] == pytest.approx(theirs.ci[1], abs=1e-6)
            if relative:
                assert row["p_value"] == pytest.approx(theirs.p_value, abs=1e-6)
            compared += 1
    # every experiment and metric is compared at least once (not just error rows)
    assert compared >= 30


def test_true_effect_inside_the_confidence_interval(marts_build):
    """The checkout experiment's true relative effect on conversion lies in the 95 % CI.

    truth: P(order | checkout exposure in a session) is 1.25x in treatment. The per-person
    `converted` metric dilutes that a little (a person can check out in several sessions),
    so this is a coverage check, not an exact one; at this sample (about 45 persons per arm)
    the interval is wide, which the test also states so that a too-narrow interval (a
    variance bug) fails the bound below rather than passing silently.
    """
    truth = marts_build.truth["experiments"]["exp_checkout_button"]
    effect = truth["true_relative_effect"]["treatment"]
    rows = marts_build.rows(
        """
        select tenant_id, relative_difference, relative_ci_lower, relative_ci_upper,
            mean, n
        from marts.rpt_experiment_results
        where experiment_id = 'exp_checkout_button' and metric_id = 'converted'
            and variant_id = 'treatment' and adjustment = 'none'
            and dimension_name = 'overall'
        """
    )
    assert {r[0] for r in rows} == set(truth["assigned"])
    for tenant, estimate, lower, upper, mean, n in rows:
        assert lower < effect < upper, (tenant, estimate, lower, upper)
        assert lower < estimate < upper
        # The half-width is at least the normal approximation's 1.96 * sqrt(var) on the
        # difference of proportions relative to the control: a sanity bound on the width.
        converted = truth["converted"][tenant]
        assigned = truth["assigned"][tenant]
        pa = converted["control"] / assigned["control"]
        pb = converted["treatment"] / assigned["treatment"]
        se = math.sqrt(
            pb * (1 - pb) / (pa**2 * assigned["treatment"])
            + pa * (1 - pa) * pb**2 / (pa**4 * assigned["control"])
        )
        assert (upper - lower) / 2 >= 1.96 * se * 0.999
        assert mean == pytest.approx(pb) and n == assigned["treatment"]


def test_aa_experiment_shows_no_significant_difference(marts_build):
    """exp_aa_homepage has no effect. Its primary metric (converted) is not significant in
    either tenant, with or without CUPED, and its interval covers 0.

    The secondary metrics are held to what an A/A test can promise: each comparison is a
    false positive with probability alpha, so across the 10 comparisons (2 tenants x 3
    metrics, 2 of them also with CUPED) at most 2 may be significant uncorrected (P(3 or more)
    is about 1 % under the null). At seed 23 one metric is: globex revenue_per_person
    (p about 0.03; 0.09 after Holm), where 2 enterprise buyers of 5 converters among 25
    control persons (658 and 762 EUR against at most 411 in treatment) dominate a Welch test
    at this tiny n.
    """
    rows = marts_build.rows(
        """
        select tenant_id, metric_id, adjustment, p_value, relative_ci_lower,
            relative_ci_upper
        from marts.rpt_experiment_results
        where experiment_id = 'exp_aa_homepage' and not is_control
            and dimension_name = 'overall'
        """
    )
    assert len(rows) == 2 * (3 + 2)  # converted and revenue also with CUPED
    for tenant, metric, adjustment, p, lower, upper in rows:
        if metric == "converted":
            assert p >= ALPHA, (tenant, adjustment, p)
            assert lower < 0 < upper
    significant = [r for r in rows if r[3] < ALPHA]
    assert len(significant) <= 2, significant
