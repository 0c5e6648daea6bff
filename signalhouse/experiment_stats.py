"""Frequentist statistics for experiment results, from per-variant sufficient statistics.

The formulas follow GrowthBook's open-source stats engine (``gbstats`` 0.8, frequentist
engine): a two-sided Welch t-test with Welch-Satterthwaite degrees of freedom, the relative
difference's variance by the delta method, ratio metrics by the delta method, CUPED as
GrowthBook's regression adjustment (one theta pooled over the control and the variant), and
the sample-ratio-mismatch chi-square of ``gbstats.utils.check_srm``. ``gbstats`` itself is
only a test oracle (tests/experiments); nothing here imports it. Pure functions, no I/O: the
dbt Python models ``rpt_experiment_results`` and ``rpt_experiment_health`` call them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from scipy.stats import chi2, t

# Why a comparison has no estimate (gbstats returns a zero "default output" instead).
CONTROL_MEAN_ZERO = "control mean is zero: no relative difference"
ZERO_VARIANCE = "a variant has zero variance (or fewer than two persons)"


@dataclass(frozen=True)
class Moments:
    """Sum and sum of squares of one per-person quantity over n persons."""

    n: int
    total: float
    sum_squares: float

    @property
    def mean(self) -> float:
        return self.total / self.n if self.n else 0.0

    @property
    def variance(self) -> float:
        """Sample variance (n - 1 in the denominator); 0 for fewer than two persons."""
        if self.n <= 1:
            return 0.0
        return (self.sum_squares - self.total**2 / self.n) / (self.n - 1)


@dataclass(frozen=True)
class Statistic:
    """A variant's estimate: mean, per-person variance, n and the unadjusted mean."""

    n: int
    mean: float
    variance: float
    unadjusted_mean: float


def proportion(n: int, converted: float) -> Statistic:
    """A binomial metric: variance p (1 - p), as gbstats' ProportionStatistic."""
    p = converted / n if n else 0.0
    return Statistic(n, p, p * (1 - p), p)


def sample_mean(n: int, total: float, sum_squares: float) -> Statistic:
    """A mean metric (gbstats' SampleMeanStatistic)."""
    m = Moments(n, total, sum_squares)
    return Statistic(n, m.mean, m.variance, m.mean)


def _covariance(n: int, sum_x: float, sum_y: float, sum_products: float) -> float:
    if n <= 1:
        return 0.0
    return (sum_products - sum_x * sum_y / n) / (n - 1)


def ratio(numerator: Moments, denominator: Moments, sum_products: float) -> Statistic:
    """A ratio metric sum(numerator) / sum(denominator) over persons, delta-method variance
    per person (gbstats' RatioStatistic)."""
    n = numerator.n
    mean = numerator.total / denominator.total if denominator.total else 0.0
    d_mean = denominator.mean
    if d_mean == 0 or n <= 1:
        variance = 0.0
    else:
        cov = _covariance(n, numerator.total, denominator.total, sum_products)
        m_mean = numerator.mean
        variance = (
            numerator.variance / d_mean**2
            - 2 * cov * m_mean / d_mean**3
            + m_mean**2 * denominator.variance / d_mean**4
        )
    return Statistic(n, mean, variance, mean)


@dataclass(frozen=True)
class Adjustable:
    """Post- and pre-exposure moments of one variant, for CUPED."""

    post: Moments
    pre: Moments
    post_pre_sum_products: float
    is_proportion: bool

    def _variance(self, m: Moments) -> float:
        return m.mean * (1 - m.mean) if self.is_proportion else m.variance

    def statistic(self, theta: float) -> Statistic:
        """The regression-adjusted statistic: mean post - theta * mean pre."""
        n = self.post.n
        if n <= 1:
            variance = 0.0
        else:
            cov = _covariance(n, self.post.total, self.pre.total, self.post_pre_sum_products)
            variance = (
                self._variance(self.post) + theta**2 * self._variance(self.pre) - 2 * theta * cov
            )
        return Statistic(n, self.post.mean - theta * self.pre.mean, variance, self.post.mean)

    def unadjusted(self) -> Statistic:
        if self.is_proportion:
            return proportion(self.post.n, self.post.total)
        return sample_mean(self.post.n, self.post.total, self.post.sum_squares)


def cuped_theta(a: Adjustable, b: Adjustable) -> float:
    """gbstats' compute_theta: cov(post, pre) / var(pre) over both variants pooled; 0 when
    either pooled variance is 0 (then the comparison is the unadjusted one)."""
    n = a.post.n + b.post.n
    post = Moments(n, a.post.total + b.post.total, a.post.sum_squares + b.post.sum_squares)
    pre = Moments(n, a.pre.total + b.pre.total, a.pre.sum_squares + b.pre.sum_squares)
    products = a.post_pre_sum_products + b.post_pre_sum_products
    pooled = Adjustable(post, pre, products, a.is_proportion)
    post_var, pre_var = pooled._variance(post), pooled._variance(pre)
    if pre_var == 0 or post_var == 0:
        return 0.0
    return _covariance(n, post.total, pre.total, pooled.post_pre_sum_products) / pre_var


def cuped_pair(control: Adjustable, variant: Adjustable) -> tuple[Statistic, Statistic, float]:
    """The control's and the variant's adjusted statistics and the theta used."""
    theta = cuped_theta(control, variant)
    if theta == 0:
        return control.unadjusted(), variant.unadjusted(), 0.0
    return control.statistic(theta), variant.statistic(theta), theta


@dataclass(frozen=True)
class Comparison:
    """A variant against the control: estimate, confidence interval, two-sided p-value."""

    estimate: float | None
    ci_lower: float | None
    ci_upper: float | None
    p_value: float | None
    error: str | None = None


def compare(
    control: Statistic, variant: Statistic, *, relative: bool, alpha: float = 0.05
) -> Comparison:
    """gbstats' TwoSidedTTest on (control, variant); relative = (b - a) / a."""
    if relative and (control.mean == 0 or control.unadjusted_mean == 0):
        return Comparison(None, None, None, None, CONTROL_MEAN_ZERO)
    if control.variance <= 0 or variant.variance <= 0 or control.n <= 1 or variant.n <= 1:
        return Comparison(None, None, None, None, ZERO_VARIANCE)
    a, b = control, variant
    if relative:
        estimate = (b.mean - a.mean) / a.unadjusted_mean
        variance = b.variance / (a.unadjusted_mean**2 * b.n) + a.variance * (
            b.unadjusted_mean**2
        ) / (a.unadjusted_mean**4 * a.n)
    else:
        estimate = b.mean - a.mean
        variance = b.variance / b.n + a.variance / a.n
    dof = (b.variance / b.n + a.variance / a.n) ** 2 / (
        b.variance**2 / (b.n**2 * (b.n - 1)) + a.variance**2 / (a.n**2 * (a.n - 1))
    )
    se = math.sqrt(variance)
    p_value = float(2 * (1 - t.cdf(abs(estimate / se), dof)))
    width = float(t.ppf(1 - alpha / 2, dof)) * se
    return Comparison(estimate, estimate - width, estimate + width, p_value)


def srm_p_value(persons: list[int], weights: list[float]) -> float:
    """gbstats' check_srm: chi-square goodness of fit of the persons per variant against the
    intended weights, k - 1 degrees of freedom; 1 when nobody was assigned. A variant with
    weight > 0 and no persons counts fully (its expected count is its whole contribution)."""
    total = sum(persons)
    if not total:
        return 1.0
    total_weight = sum(weights)
    statistic = 0.0
    for observed, weight in zip(persons, weights, strict=True):
        if weight <= 0:
            continue
        expected = weight / total_weight * total
        statistic += (observed - expected) ** 2 / expected
    return float(chi2.sf(statistic, len(persons) - 1))


def holm_bonferroni(p_values: list[float]) -> list[float]:
    """Holm's step-down adjusted p-values (monotone, at most 1), in the input order."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: (p_values[i], i))
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def benjamini_hochberg(p_values: list[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (q-values, monotone, at most 1), input order."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: (p_values[i], i))
    adjusted = [0.0] * m
    running = 1.0
    for rank in range(m - 1, -1, -1):
        i = order[rank]
        running = min(running, m / (rank + 1) * p_values[i])
        adjusted[i] = min(1.0, running)
    return adjusted
