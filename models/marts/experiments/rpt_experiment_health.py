"""One row per (tenant, experiment, variant): assignment counts against the intended weights
and the experiment's sample-ratio-mismatch test (chi-square, as gbstats' check_srm)."""

from __future__ import annotations

import pandas as pd

from signalhouse import experiment_stats as st
from signalhouse import python_models

# Result columns and their types (Spark SQL names: python_models.from_pandas).
COLUMNS = {
    "tenant_id": "string",
    "experiment_id": "string",
    "variant_id": "string",
    "is_registered_variant": "boolean",
    "intended_weight": "double",
    "persons": "bigint",
    "expected_persons": "double",
    "observed_share": "double",
    "experiment_persons": "bigint",
    "multi_variant_persons": "bigint",
    "multi_variant_share": "double",
    "srm_p_value": "double",
    "is_sample_ratio_mismatch": "boolean",
}


def health(counts: pd.DataFrame, variants: pd.DataFrame, threshold: float) -> pd.DataFrame:
    """counts: persons and multi_variant_persons per assigned (tenant, experiment, variant);
    variants: the registry's intended weights."""
    keys = ["tenant_id", "experiment_id", "variant_id"]
    registered = variants[keys + ["weight"]].assign(is_registered_variant=True)
    merged = registered.merge(counts, on=keys, how="outer")
    merged = merged[
        merged.set_index(["tenant_id", "experiment_id"]).index.isin(
            registered.set_index(["tenant_id", "experiment_id"]).index
        )
    ]
    merged["is_registered_variant"] = merged.is_registered_variant.eq(True)
    merged["intended_weight"] = merged.weight.fillna(0.0).astype(float)
    merged["persons"] = merged.persons.fillna(0).astype("int64")
    merged["multi_variant_persons"] = merged.multi_variant_persons.fillna(0).astype("int64")
    rows = []
    for _, group in merged.groupby(["tenant_id", "experiment_id"], sort=True):
        group = group.sort_values("variant_id").copy()
        total = int(group.persons.sum())
        multi = int(group.multi_variant_persons.sum())
        weight_total = float(group.intended_weight.sum())
        p = st.srm_p_value(group.persons.tolist(), group.intended_weight.tolist())
        group["expected_persons"] = group.intended_weight / weight_total * total
        group["observed_share"] = group.persons / total if total else None
        group["experiment_persons"] = total
        group["multi_variant_persons"] = multi
        group["multi_variant_share"] = multi / (total + multi) if total + multi else None
        group["srm_p_value"] = p
        # Persons in a variant the registry does not list are a mismatch too.
        unregistered = int(group.loc[~group.is_registered_variant, "persons"].sum())
        group["is_sample_ratio_mismatch"] = p < threshold or unregistered > 0
        rows.append(group)
    if not rows:
        return pd.DataFrame(columns=list(COLUMNS))
    frame = pd.concat(rows)
    return frame[list(COLUMNS)].reset_index(drop=True)


def _counts(assignments) -> pd.DataFrame:
    """Persons and multi-variant persons per registered (tenant, experiment, variant): the
    same aggregate in DuckDB SQL and in Spark's DataFrame API."""
    registered = assignments.filter("is_registered")
    if not python_models.is_spark(assignments):
        return registered.aggregate(
            "tenant_id, experiment_id, variant_id, "
            "count(*) filter (where not is_multi_variant) as persons, "
            "count(*) filter (where is_multi_variant) as multi_variant_persons",
            "tenant_id, experiment_id, variant_id",
        ).df()
    from pyspark.sql import functions as F

    return (
        registered.groupBy("tenant_id", "experiment_id", "variant_id")
        .agg(
            F.count_if(~F.col("is_multi_variant")).alias("persons"),
            F.count_if(F.col("is_multi_variant")).alias("multi_variant_persons"),
        )
        .toPandas()
    )


def model(dbt, session):
    dbt.config(materialized="table")
    threshold = float(dbt.config.get("srm_p_value_threshold") or 0.001)
    counts = _counts(dbt.ref("fct_experiment_assignments"))
    variants = python_models.to_pandas(dbt.ref("experiment_variants"))
    return python_models.from_pandas(session, health(counts, variants, threshold), COLUMNS)
