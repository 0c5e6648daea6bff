"""The dbt Python models' pure functions, on hand-made inputs (dbt unit tests cannot run
Python models)."""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pandas as pd
import pytest

from signalhouse import attribution_markov

MODELS = Path(__file__).resolve().parents[2] / "models" / "marts" / "experiments"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(name, MODELS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


health_model = _load("rpt_experiment_health")
results_model = _load("rpt_experiment_results")


def _variants(rows):
    return pd.DataFrame(rows, columns=["tenant_id", "experiment_id", "variant_id", "weight"])


def _counts(rows):
    return pd.DataFrame(
        rows,
        columns=["tenant_id", "experiment_id", "variant_id", "persons", "multi_variant_persons"],
    )


def test_a_registered_variant_with_nobody_is_reported_and_flags_srm():
    variants = _variants([("t", "x", "a", 0.5), ("t", "x", "b", 0.5)])
    counts = _counts([("t", "x", "a", 120, 3)])
    frame = health_model.health(counts, variants, 0.001)
    rows = {r.variant_id: r for r in frame.itertuples()}
    assert rows["b"].persons == 0
    assert rows["b"].expected_persons == 60
    assert rows["a"].srm_p_value < 0.001
    assert rows["a"].is_sample_ratio_mismatch and rows["b"].is_sample_ratio_mismatch
    assert rows["a"].multi_variant_persons == 3 == rows["b"].multi_variant_persons
    assert rows["a"].multi_variant_share == pytest.approx(3 / 123)


def test_balanced_assignment_is_not_flagged_and_an_unregistered_variant_is():
    variants = _variants([("t", "x", "a", 1), ("t", "x", "b", 1)])
    balanced = health_model.health(
        _counts([("t", "x", "a", 500, 0), ("t", "x", "b", 510, 0)]), variants, 0.001
    )
    assert not balanced.is_sample_ratio_mismatch.any()
    # chi-square 2 * 5**2 / 505 on 1 degree of freedom: p = erfc(sqrt(x / 2))
    assert balanced.srm_p_value.iloc[0] == pytest.approx(math.erfc(math.sqrt(25 / 505)))
    stray = health_model.health(
        _counts([("t", "x", "a", 500, 0), ("t", "x", "b", 510, 0), ("t", "x", "c", 4, 0)]),
        variants,
        0.001,
    )
    row_c = stray[stray.variant_id == "c"].iloc[0]
    assert not row_c.is_registered_variant and row_c.intended_weight == 0
    assert stray.is_sample_ratio_mismatch.all()


def _statistics(rows):
    columns = [
        "tenant_id",
        "experiment_id",
        "variant_id",
        "metric_id",
        "dimension_name",
        "dimension_value",
        "metric_type",
        "metric_role",
        "is_control",
        "n",
        "metric_sum",
        "metric_sum_squares",
        "denominator_sum",
        "denominator_sum_squares",
        "metric_denominator_sum_products",
        "pre_exposure_sum",
        "pre_exposure_sum_squares",
        "metric_pre_exposure_sum_products",
    ]
    return pd.DataFrame(rows, columns=columns)


def _row(variant, metric, control, n, s, ss=None, metric_type="proportion"):
    return (
        "t", "x", variant, metric, "overall", "all", metric_type, "primary", control,
        n, s, ss if ss is not None else s, 0, 0, 0, 0, 0, 0,
    )  # fmt: skip


def test_results_correct_p_values_across_metrics_and_variants():
    stats = _statistics(
        [
            _row("a", "m1", True, 1000, 100),
            _row("b", "m1", False, 1000, 140),
            _row("c", "m1", False, 1000, 105),
            _row("a", "m2", True, 1000, 300),
            _row("b", "m2", False, 1000, 310),
            _row("c", "m2", False, 1000, 0),
        ]
    )
    experiments = pd.DataFrame({"tenant_id": ["t"], "experiment_id": ["x"]}).assign(
        cuped_lookback_days=[0]
    )
    frame = results_model.results(stats, experiments, 0.05)
    assert len(frame) == 6 and set(frame.adjustment) == {"none"}
    compared = frame[frame.p_value.notna()].sort_values("p_value")
    # c/m2 has no conversions: zero variance, no estimate, left out of the corrections
    zero = frame[(frame.variant_id == "c") & (frame.metric_id == "m2")].iloc[0]
    assert zero.note and pd.isna(zero.p_value) and pd.isna(zero.p_value_holm)
    p = compared.p_value.tolist()
    assert len(p) == 3  # b/m1, c/m1, b/m2: one family across metrics and variants
    holm = [min(1, 3 * p[0])]
    holm.append(max(holm[0], min(1, 2 * p[1])))
    holm.append(max(holm[1], min(1, p[2])))
    assert compared.p_value_holm.tolist() == pytest.approx(holm)
    assert (compared.p_value_benjamini_hochberg >= compared.p_value - 1e-15).all()
    control = frame[frame.is_control]
    assert control.relative_difference.isna().all() and (control.n == 1000).all()
    best = frame[(frame.variant_id == "b") & (frame.metric_id == "m1")].iloc[0]
    assert best.relative_difference == pytest.approx(0.4)
    assert best.is_significant


# python_models.from_pandas writes these types on Spark; DuckDB infers its own from the frame.
SPARK_TO_DUCKDB_TYPE = {
    "string": "VARCHAR",
    "boolean": "BOOLEAN",
    "bigint": "BIGINT",
    "double": "DOUBLE",
}


@pytest.mark.parametrize(
    ("relation", "types"),
    [
        ("rpt_experiment_results", results_model.COLUMNS),
        ("rpt_experiment_health", health_model.COLUMNS),
        ("rpt_attribution_markov", attribution_markov.MART_TYPES),
    ],
)
def test_declared_spark_types_are_the_types_duckdb_writes(marts_build, relation, types):
    described = marts_build.rows(
        "select column_name, data_type from information_schema.columns "
        "where table_schema = 'marts' and table_name = ? order by ordinal_position",
        [relation],
    )
    declared = [(name, SPARK_TO_DUCKDB_TYPE[t]) for name, t in types.items()]
    assert described == declared, (
        f"{relation}: update its declared types (column: Spark SQL type) to what it returns"
    )
