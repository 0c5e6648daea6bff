"""One row per (tenant, experiment, variant, metric, adjustment, dimension slice).

The statistics are computed in Python from the sufficient statistics that SQL aggregated
(fct_experiment_metric_statistics), with the formulas of GrowthBook's frequentist engine
(signalhouse/experiment_stats.py; gbstats is the test oracle in tests/experiments).
"""

from __future__ import annotations

import math

import pandas as pd

from signalhouse import experiment_stats as st
from signalhouse import python_models

# Result columns and their types (Spark SQL names: python_models.from_pandas).
COLUMNS = {
    "tenant_id": "string",
    "experiment_id": "string",
    "variant_id": "string",
    "metric_id": "string",
    "adjustment": "string",
    "dimension_name": "string",
    "dimension_value": "string",
    "metric_type": "string",
    "metric_role": "string",
    "is_control": "boolean",
    "n": "bigint",
    "mean": "double",
    "variance": "double",
    "cuped_theta": "double",
    "absolute_difference": "double",
    "absolute_ci_lower": "double",
    "absolute_ci_upper": "double",
    "relative_difference": "double",
    "relative_ci_lower": "double",
    "relative_ci_upper": "double",
    "p_value": "double",
    "p_value_holm": "double",
    "p_value_benjamini_hochberg": "double",
    "is_significant": "boolean",
    "note": "string",
}


def _moments(row, prefix: str) -> st.Moments:
    return st.Moments(int(row.n), float(row[f"{prefix}_sum"]), float(row[f"{prefix}_sum_squares"]))


def _statistic(row) -> st.Statistic:
    if row.metric_type == "proportion":
        return st.proportion(int(row.n), float(row.metric_sum))
    if row.metric_type == "mean":
        return st.sample_mean(int(row.n), float(row.metric_sum), float(row.metric_sum_squares))
    return st.ratio(
        _moments(row, "metric"),
        _moments(row, "denominator"),
        float(row.metric_denominator_sum_products),
    )


def _adjustable(row) -> st.Adjustable:
    return st.Adjustable(
        post=_moments(row, "metric"),
        pre=_moments(row, "pre_exposure"),
        post_pre_sum_products=float(row.metric_pre_exposure_sum_products),
        is_proportion=row.metric_type == "proportion",
    )


def _number(x: float | None) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def results(
    statistics: pd.DataFrame,
    experiments: pd.DataFrame,
    alpha: float,
    default_lookback_days: int = 14,
) -> pd.DataFrame:
    """Result rows from the sufficient statistics; CUPED rows for experiments whose
    cuped_lookback_days (empty: the default) is above 0."""
    cuped = {
        (r.tenant_id, r.experiment_id): (
            default_lookback_days if pd.isna(r.cuped_lookback_days) else r.cuped_lookback_days
        )
        > 0
        for r in experiments.itertuples()
    }
    keys = ["tenant_id", "experiment_id", "metric_id", "dimension_name", "dimension_value"]
    rows: list[dict] = []
    for _, group in statistics.groupby(keys, sort=True, dropna=False):
        group = group.sort_values("variant_id")
        control_rows = group[group.is_control]
        first = group.iloc[0]
        adjustments = ["none"]
        if cuped.get((first.tenant_id, first.experiment_id)) and first.metric_type != "ratio":
            adjustments.append("cuped")
        for adjustment in adjustments:
            control = control_rows.iloc[0] if len(control_rows) else None
            for _, row in group.iterrows():
                out = {c: row[c] for c in keys + ["variant_id", "metric_type", "metric_role"]}
                out.update(is_control=bool(row.is_control), n=int(row.n), adjustment=adjustment)
                statistic, theta, note = _statistic(row), None, None
                if control is None:
                    note = "the control variant has no row"
                elif not row.is_control:
                    a, b = _statistic(control), statistic
                    if adjustment == "cuped":
                        a, b, theta = st.cuped_pair(_adjustable(control), _adjustable(row))
                        statistic = b
                    absolute = st.compare(a, b, relative=False, alpha=alpha)
                    relative = st.compare(a, b, relative=True, alpha=alpha)
                    note = relative.error or absolute.error
                    out.update(
                        absolute_difference=absolute.estimate,
                        absolute_ci_lower=absolute.ci_lower,
                        absolute_ci_upper=absolute.ci_upper,
                        relative_difference=relative.estimate,
                        relative_ci_lower=relative.ci_lower,
                        relative_ci_upper=relative.ci_upper,
                        p_value=relative.p_value,
                    )
                elif adjustment == "cuped":
                    # The control's adjusted mean depends on the variant it is compared with
                    # (theta is pooled per pair); its row shows the unadjusted mean.
                    note = "control: unadjusted mean (theta is pooled per comparison)"
                out.update(
                    mean=_number(statistic.mean) if row.n else None,
                    variance=_number(statistic.variance) if row.n else None,
                    cuped_theta=theta,
                    note=note,
                )
                rows.append(out)
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    # Corrections across every metric and non-control variant of an experiment, per
    # adjustment and dimension slice.
    family = ["tenant_id", "experiment_id", "adjustment", "dimension_name", "dimension_value"]
    frame["p_value_holm"] = None
    frame["p_value_benjamini_hochberg"] = None
    for _, group in frame[frame.p_value.notna()].groupby(family, dropna=False):
        p = group.p_value.astype(float).tolist()
        frame.loc[group.index, "p_value_holm"] = st.holm_bonferroni(p)
        frame.loc[group.index, "p_value_benjamini_hochberg"] = st.benjamini_hochberg(p)
    frame["is_significant"] = frame.p_value.map(
        lambda p: None if p is None or pd.isna(p) else bool(p < alpha)
    )
    return frame[list(COLUMNS)].astype({"n": "int64"})


def model(dbt, session):
    dbt.config(materialized="table")
    alpha = float(dbt.config.get("alpha") or 0.05)
    default_lookback_days = int(dbt.config.get("cuped_lookback_days") or 14)
    statistics = python_models.to_pandas(dbt.ref("fct_experiment_metric_statistics"))
    experiments = python_models.to_pandas(
        dbt.ref("experiments"), ["tenant_id", "experiment_id", "cuped_lookback_days"]
    )
    frame = results(statistics, experiments, alpha, default_lookback_days)
    return python_models.from_pandas(session, frame, COLUMNS)
