"""signalhouse.experiment_stats agrees with GrowthBook's gbstats (frequentist engine) to 1e-6.

gbstats 0.8.0 is the oracle: it is installed without its numpy<2 / pandas<2 pins (see the
Makefile); its frequentist engine needs only numpy, scipy and pydantic, which work here.
"""

from __future__ import annotations

import random

import pytest
from gbstats.frequentist.tests import FrequentistConfig, TwoSidedTTest
from gbstats.models.statistics import (
    ProportionStatistic,
    RatioStatistic,
    RegressionAdjustedStatistic,
    SampleMeanStatistic,
)
from gbstats.utils import check_srm
from scipy.stats import false_discovery_control

from signalhouse import experiment_stats as st

TOLERANCE = 1e-6


def _gb(stat_a, stat_b, relative: bool):
    config = FrequentistConfig(difference_type="relative" if relative else "absolute")
    return TwoSidedTTest(stat_a, stat_b, config).compute_result()


def assert_same(ours: st.Comparison, theirs) -> None:
    assert theirs.error_message is None, theirs.error_message
    assert ours.error is None, ours.error
    assert ours.estimate == pytest.approx(theirs.expected, abs=TOLERANCE, rel=TOLERANCE)
    assert ours.ci_lower == pytest.approx(theirs.ci[0], abs=TOLERANCE, rel=TOLERANCE)
    assert ours.ci_upper == pytest.approx(theirs.ci[1], abs=TOLERANCE, rel=TOLERANCE)
    assert ours.p_value == pytest.approx(theirs.p_value, abs=TOLERANCE)


def _samples(rng: random.Random, n: int, kind: str) -> list[float]:
    if kind == "binary":
        p = rng.uniform(0.05, 0.6)
        return [float(rng.random() < p) for _ in range(n)]
    if kind == "count":
        lam = rng.uniform(0.5, 4.0)
        return [float(int(rng.expovariate(1 / lam))) for _ in range(n)]
    return [rng.lognormvariate(3.0, 1.0) if rng.random() < 0.3 else 0.0 for _ in range(n)]


def _moments(values: list[float]) -> st.Moments:
    return st.Moments(len(values), sum(values), sum(v * v for v in values))


CASES = [(seed, kind) for seed in range(6) for kind in ("binary", "count", "revenue")]


@pytest.mark.parametrize(("seed", "kind"), CASES)
@pytest.mark.parametrize("relative", [True, False])
def test_proportion_and_mean_match_gbstats(seed, kind, relative):
    rng = random.Random(seed)
    a = _samples(rng, rng.randint(40, 3000), kind)
    b = _samples(rng, rng.randint(40, 3000), kind)
    if kind == "binary":
        ours = st.compare(
            st.proportion(len(a), sum(a)), st.proportion(len(b), sum(b)), relative=relative
        )
        theirs = _gb(
            ProportionStatistic(n=len(a), sum=sum(a)),
            ProportionStatistic(n=len(b), sum=sum(b)),
            relative,
        )
    else:
        ma, mb = _moments(a), _moments(b)
        ours = st.compare(
            st.sample_mean(ma.n, ma.total, ma.sum_squares),
            st.sample_mean(mb.n, mb.total, mb.sum_squares),
            relative=relative,
        )
        theirs = _gb(
            SampleMeanStatistic(n=ma.n, sum=ma.total, sum_squares=ma.sum_squares),
            SampleMeanStatistic(n=mb.n, sum=mb.total, sum_squares=mb.sum_squares),
            relative,
        )
    assert_same(ours, theirs)


def _ratio_pair(values_m, values_d):
    m, d = _moments(values_m), _moments(values_d)
    products = sum(x * y for x, y in zip(values_m, values_d, strict=True))
    ours = st.ratio(m, d, products)
    theirs = RatioStatistic(
        n=m.n,
        m_statistic=SampleMeanStatistic(n=m.n, sum=m.total, sum_squares=m.sum_squares),
        d_statistic=SampleMeanStatistic(n=d.n, sum=d.total, sum_squares=d.sum_squares),
        m_d_sum_of_products=products,
    )
    return ours, theirs


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("relative", [True, False])
def test_ratio_metric_delta_method_matches_gbstats(seed, relative):
    rng = random.Random(100 + seed)
    sides = []
    for _ in range(2):
        n = rng.randint(50, 2000)
        sessions = [float(1 + int(rng.expovariate(1 / 3))) for _ in range(n)]
        clicks = [float(sum(rng.random() < 0.2 for _ in range(int(s) * 3))) for s in sessions]
        sides.append(_ratio_pair(clicks, sessions))
    (oa, ga), (ob, gb) = sides
    assert oa.mean == pytest.approx(ga.mean, rel=TOLERANCE)
    assert oa.variance == pytest.approx(ga.variance, rel=TOLERANCE)
    assert_same(st.compare(oa, ob, relative=relative), _gb(ga, gb, relative))


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("binary", [True, False])
def test_cuped_matches_gbstats_regression_adjustment(seed, binary):
    rng = random.Random(200 + seed)
    sides_ours, sides_gb = [], []
    for lift in (1.0, 1.1):
        n = rng.randint(100, 3000)
        pre = [rng.expovariate(1 / 20) if rng.random() < 0.5 else 0.0 for _ in range(n)]
        post = [lift * (0.6 * x + rng.expovariate(1 / 8)) for x in pre]
        if binary:
            pre = [float(x > 10) for x in pre]
            post = [float(x > 12) for x in post]
        products = sum(x * y for x, y in zip(post, pre, strict=True))
        mpost, mpre = _moments(post), _moments(pre)
        sides_ours.append(st.Adjustable(mpost, mpre, products, binary))
        make = (
            (lambda m: ProportionStatistic(n=m.n, sum=m.total))
            if binary
            else (lambda m: SampleMeanStatistic(n=m.n, sum=m.total, sum_squares=m.sum_squares))
        )
        sides_gb.append(
            RegressionAdjustedStatistic(
                n=n,
                post_statistic=make(mpost),
                pre_statistic=make(mpre),
                post_pre_sum_of_products=products,
                theta=0,
            )
        )
    a, b, theta = st.cuped_pair(*sides_ours)
    for relative in (True, False):
        test = TwoSidedTTest(
            *sides_gb,
            FrequentistConfig(difference_type="relative" if relative else "absolute"),
        )
        assert theta == pytest.approx(test.stat_a.theta, rel=TOLERANCE)
        assert_same(st.compare(a, b, relative=relative), test.compute_result())


@pytest.mark.parametrize(
    ("persons", "weights"),
    [
        ([5000, 5000], [0.5, 0.5]),
        ([5120, 4880], [0.5, 0.5]),
        ([3300, 3350, 3400], [1, 1, 1]),
        ([900, 100], [0.9, 0.1]),
        ([812, 0], [0.5, 0.5]),
        ([700, 300, 0], [0.4, 0.4, 0.2]),
        ([0, 0], [0.5, 0.5]),
    ],
)
def test_srm_matches_gbstats_check_srm(persons, weights):
    assert st.srm_p_value(persons, weights) == pytest.approx(check_srm(persons, weights), abs=1e-12)


def test_a_variant_with_nobody_triggers_srm():
    assert st.srm_p_value([412, 0], [0.5, 0.5]) < 0.001
    # ... even when it is one of three and the others are balanced.
    assert st.srm_p_value([200, 200, 0], [1, 1, 1]) < 0.001


def test_benjamini_hochberg_matches_scipy():
    rng = random.Random(7)
    for m in (1, 2, 5, 12):
        p = [rng.random() ** 3 for _ in range(m)]
        expected = false_discovery_control(p, method="bh").tolist()
        assert st.benjamini_hochberg(p) == pytest.approx(expected, abs=1e-12)


def test_holm_bonferroni_by_hand():
    # sorted 0.01, 0.02, 0.03, 0.5 -> 4 * 0.01, 3 * 0.02, 2 * 0.03, 1 * 0.5 (made monotone)
    assert st.holm_bonferroni([0.03, 0.5, 0.01, 0.02]) == pytest.approx([0.06, 0.5, 0.04, 0.06])
    # monotone: 2 * 0.012 = 0.024 would fall below 3 * 0.01 = 0.03, so it is raised to 0.03
    assert st.holm_bonferroni([0.012, 0.01, 0.9]) == pytest.approx([0.03, 0.03, 0.9])
    assert st.holm_bonferroni([0.4, 0.6]) == pytest.approx([0.8, 0.8])


def test_no_estimate_when_gbstats_gives_none():
    zero = st.proportion(100, 0)
    some = st.proportion(100, 10)
    assert st.compare(zero, some, relative=True).error == st.CONTROL_MEAN_ZERO
    assert st.compare(some, st.proportion(100, 100), relative=False).error == st.ZERO_VARIANCE
    assert st.compare(some, st.proportion(1, 1), relative=False).estimate is None
