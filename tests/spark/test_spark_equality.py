"""The same dbt project on DuckDB and on Spark: every relation Spark builds equals DuckDB's.

`make test-spark` runs this (it needs `.venv-spark`, from `make venv-spark`, and Java 17).
A small golden sample is ingested into DuckDB and built there; its raw tables are exported to
a Parquet lake (`ingest.lake`), built with `dbt --target spark` (local PySpark, session
method; run by `python -m signalhouse.spark_dbt`, which runs the dbt Python models in that
session), and every relation in Spark's `marts` schema, and the ported staging and
intermediate relations listed here, are compared with DuckDB's row by row: rows sorted by
the relation's key, floats within 1e-9 relative, timestamps compared as UTC
instants. Not part of `make test`: a Spark build takes minutes on a small machine.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from ingest.lake import export_raw_to_parquet
from ingest.loader import ingest_paths
from signalhouse.dbt import run_dbt
from signalhouse.simulator import generate
from signalhouse.warehouse import PROJECT_DIR

SPARK_VENV = PROJECT_DIR / ".venv-spark"
SPARK_PYTHON = SPARK_VENV / "bin" / "python"
# dbt with the `session` submission method for Python models (dbt-spark has Databricks' only).
SPARK_DBT = (str(SPARK_PYTHON), "-m", "signalhouse.spark_dbt")

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(
        os.environ.get("SIGNALHOUSE_TEST_SPARK") != "1",
        reason="Spark comparison: run `make test-spark`",
    ),
]

# Small on purpose: Spark runs every model as jobs on a 2-core machine. Default line
# defects (duplicates, late and skewed clocks...) so that dedup and time fallbacks are compared.
GOLDEN_SAMPLE = {"users": 60, "days": 5, "seed": 23, "tenants": 2, "defects": "default"}
GOLDEN_VARS = {"days_late_allowed": 7}


def _edge_case_line(message_id: str, event_type: str, at: str, **fields: object) -> str:
    line = {"type": event_type, "messageId": message_id, **fields}
    line.update(timestamp=at, originalTimestamp=at, sentAt=at, receivedAt=at)
    line.setdefault("context", {"library": {"name": "analytics.js", "version": "4.15.3"}})
    return json.dumps(line)


# What the small golden sample lacks, appended as one more web file of tenant acme: an alias
# (stg_segment__aliases) and one browser that two users log in on (int_identity_conflicts).
EDGE_CASE_FILE = "tenant=acme/web/spark-edge-cases.jsonl"
EDGE_CASE_LINES = (
    _edge_case_line(
        "spark-edge-alias", "alias", "2026-10-14T10:00:00.000Z",
        anonymousId="spark-edge-browser-1", userId="u_spark_edge_a",
        previousId="legacy_spark_edge",
    ),
    _edge_case_line(
        "spark-edge-identify-a", "identify", "2026-10-14T10:01:00.000Z",
        anonymousId="spark-edge-shared-browser", userId="u_spark_edge_a",
        traits={"plan": "free"},
    ),
    _edge_case_line(
        "spark-edge-identify-b", "identify", "2026-10-14T11:01:00.000Z",
        anonymousId="spark-edge-shared-browser", userId="u_spark_edge_b",
        traits={"plan": "pro"},
    ),
)  # fmt: skip


def _personalization_edge_case_line(message_id: str, at: str, event: str, **properties) -> str:
    return _edge_case_line(
        message_id, "track", at, anonymousId="spark-edge-rec-browser",
        userId="u_spark_edge_rec", event=event, properties=properties,
    )  # fmt: skip


# The small golden sample has no order after a recommendation click: one person of acme
# exposed to exp_rec_model's control rec-v1 is served a list (6 items, so the top 5 leaves
# one out) and clicks rank 2; in the same session is served a list with ranks 6 and 7 only
# (no top 5: a null list in ranking stability) and one more, then orders (a converted click).
PERSONALIZATION_EDGE_CASE_LINES = (
    _personalization_edge_case_line(
        "spark-edge-rec-exposure", "2026-10-14T12:00:00.000Z", "Experiment Exposure",
        experiment_id="exp_rec_model", variant_id="rec-v1",
    ),
    _personalization_edge_case_line(
        "spark-edge-rec-served-1", "2026-10-14T12:01:00.000Z", "Recommendation Served",
        request_id="rq_spark_edge_1", surface="home", model_version="rec-v1",
        items=[
            {"item_id": f"item_spark_edge_{rank}", "rank": rank, "score": 0.9 - rank / 10}
            for rank in range(1, 7)
        ],
        latency_ms=80.5, feature_ms=10.25, inference_ms=60.0, network_ms=10.25,
    ),
    _personalization_edge_case_line(
        "spark-edge-rec-click", "2026-10-14T12:02:00.000Z", "Recommendation Clicked",
        request_id="rq_spark_edge_1", item_id="item_spark_edge_2", rank=2, surface="home",
        model_version="rec-v1",
    ),
    _personalization_edge_case_line(
        "spark-edge-rec-order", "2026-10-14T12:40:00.000Z", "Order Completed",
        order_id="ord_spark_edge", revenue=12.5, currency="USD", items_count=1,
    ),
    _personalization_edge_case_line(
        "spark-edge-rec-served-2", "2026-10-14T12:10:00.000Z", "Recommendation Served",
        request_id="rq_spark_edge_2", surface="home", model_version="rec-v1",
        items=[
            {"item_id": "item_spark_edge_6", "rank": 6, "score": 0.3},
            {"item_id": "item_spark_edge_7", "rank": 7, "score": 0.2},
        ],
        latency_ms=95.0, feature_ms=15.0, inference_ms=70.0, network_ms=10.0,
    ),
    _personalization_edge_case_line(
        "spark-edge-rec-served-3", "2026-10-14T12:20:00.000Z", "Recommendation Served",
        request_id="rq_spark_edge_3", surface="home", model_version="rec-v1",
        items=[{"item_id": "item_spark_edge_1", "rank": 1, "score": 0.8}],
        latency_ms=70.0, feature_ms=10.0, inference_ms=50.0, network_ms=10.0,
    ),
)  # fmt: skip
# What is ported to Spark so far (README "### Spark"); each with the key its rows sort by.
MART_KEYS = {
    "dim_identity_map": ("tenant_id", "identifier_type", "identifier"),
    "dim_persons": ("tenant_id", "person_id"),
    "fct_analytics_events": ("tenant_id", "event_id"),
    "fct_api_requests": ("tenant_id", "event_id"),
    "fct_attribution_credits": ("tenant_id", "conversion_id", "attribution_model", "touch_id"),
    "fct_attribution_paths": ("tenant_id", "path_id"),
    "fct_attribution_touches": ("tenant_id", "touch_id"),
    "fct_consent_periods": ("tenant_id", "consent_event_id", "category"),
    "fct_conversions": ("tenant_id", "conversion_id"),
    "fct_emails": ("tenant_id", "email_message_id"),
    "fct_events": ("tenant_id", "event_id"),
    "fct_experiment_assignments": ("tenant_id", "experiment_id", "person_id"),
    "fct_experiment_conversions": ("tenant_id", "experiment_id", "person_id"),
    "fct_experiment_metric_statistics": (
        "tenant_id", "experiment_id", "variant_id", "metric_id", "dimension_name",
        "dimension_value",
    ),
    "fct_experiment_person_metrics": ("tenant_id", "experiment_id", "person_id", "metric_id"),
    "fct_funnel_attempts": ("tenant_id", "funnel_id", "attempt_id"),
    "fct_funnel_progress": ("tenant_id", "funnel_id", "person_id"),
    "fct_funnel_step_events": ("tenant_id", "funnel_id", "step_index", "occurrence_id"),
    "fct_identity_changes": ("tenant_id", "identifier_type", "identifier"),
    "fct_notification_downstream": ("tenant_id", "notification_id"),
    "fct_notifications": ("tenant_id", "notification_id"),
    "fct_person_retention": ("tenant_id", "person_id"),
    "fct_recommendation_impressions": ("tenant_id", "event_id", "rank"),
    "fct_session_sync_staleness": ("tenant_id", "session_id"),
    "fct_sessions": ("tenant_id", "session_id"),
    "fct_sync_runs": ("tenant_id", "sync_id"),
    "int_experiment_measured_events": ("tenant_id", "event_id"),
    "int_funnel_attempts_ordered": ("tenant_id", "funnel_id", "attempt_id"),
    "int_funnel_stream_positions": ("tenant_id", "event_id"),
    "int_product_events_localized": ("tenant_id", "event_id"),
    "rpt_active_users": ("tenant_id", "platform", "activity_date"),
    "rpt_anomalies": ("tenant_id", "metric", "metric_date"),
    "rpt_api_endpoint_daily": ("tenant_id", "account_id", "endpoint", "request_date"),
    "rpt_api_retention": ("tenant_id", "plan_tier", "weeks_since_first_value"),
    "rpt_api_value_realization": ("tenant_id", "account_id"),
    "rpt_attribution_by_channel": (
        "tenant_id", "attribution_model", "channel", "conversion_name", "conversion_date",
        "currency",
    ),
    "rpt_attribution_markov": ("tenant_id", "channel", "currency"),
    "rpt_email_campaigns": ("tenant_id", "campaign_id", "subject_variant"),
    "rpt_experiment_exposures_daily": ("tenant_id", "experiment_id", "variant_id", "exposure_date"),
    "rpt_experiment_health": ("tenant_id", "experiment_id", "variant_id"),
    "rpt_experiment_results": (
        "tenant_id", "experiment_id", "variant_id", "metric_id", "adjustment", "dimension_name",
        "dimension_value",
    ),
    "rpt_funnel_steps": (
        "tenant_id", "funnel_id", "breakdown_type", "breakdown_value", "step_index",
    ),
    "rpt_funnel_steps_by_account": ("tenant_id", "funnel_id", "step_index"),
    "rpt_notification_downstream": ("tenant_id", "channel", "campaign_id", "recipient_group"),
    "rpt_notification_funnel": ("tenant_id", "channel", "campaign_id", "sent_date"),
    "rpt_paths": ("tenant_id", "path_type", "path_id", "path_text"),
    "rpt_recommendation_calibration": (
        "tenant_id", "surface", "model_version", "served_date", "score_decile",
    ),
    "rpt_recommendation_latency": ("tenant_id", "surface", "model_version", "served_date"),
    "rpt_recommendation_model_lift": ("tenant_id", "experiment_id", "model_version"),
    "rpt_recommendation_position_bias": (
        "tenant_id", "surface", "model_version", "served_date", "rank",
    ),
    "rpt_recommendation_quality": ("tenant_id", "surface", "model_version", "served_date"),
    "rpt_retention": (
        "tenant_id", "retention_id", "cohort_grain", "cohort_start_date", "retention_mode",
        "period_label",
    ),
    "rpt_sync_health": ("tenant_id", "platform", "app_version", "connectivity", "sync_date"),
    "time_spine_daily": ("date_day",),
}  # fmt: skip
# Ported staging and intermediate relations compared too (the marts above read only some).
STAGING_FAMILIES = (
    "aliases", "api_requests", "consents", "emails", "experiment_exposures", "groups",
    "identifies", "notifications", "orders", "recommendation_clicks", "recommendations",
    "syncs", "tracks", "views",
)  # fmt: skip
RELATION_KEYS = {
    **{f"marts.{mart}": key for mart, key in MART_KEYS.items()},
    **{f"staging.stg_segment__{family}": ("tenant_id", "event_id") for family in STAGING_FAMILIES},
    "staging.stg_segment__recommendation_items": ("tenant_id", "event_id", "rank"),
    "staging.stg_segment__event_duplicates": ("tenant_id", "event_id", "copy_rank"),
    "intermediate.int_identity_conflicts": (
        "tenant_id", "reason", "identifier_type", "identifier",
    ),
}  # fmt: skip
# Columns holding the build's own value (dbt's invocation_id, the build time: on a first
# build every row was written or dated by the same statement), which two builds cannot share:
# each engine must hold one non-null value in every row instead.
RUN_DEPENDENT_COLUMNS = {
    "marts.fct_identity_changes": ("change_id", "recorded_at"),
    "marts.fct_events": ("_written_at",),
    "marts.fct_analytics_events": ("_written_at",),
    "marts.fct_funnel_step_events": ("_matched_at",),
    "marts.fct_api_requests": ("_described_at",),
    "marts.fct_conversions": ("_matched_at",),
    "marts.fct_sync_runs": ("_summarized_at",),
    "marts.fct_recommendation_impressions": ("_impressed_at",),
    "marts.dim_persons": ("_analytics_filter_changed_at",),
    "marts.int_product_events_localized": ("_localized_at",),
    "marts.int_experiment_measured_events": ("_measured_at",),
}
# Seeds, models and every data test they enable (generic and singular; tests that read a
# DuckDB-only model are disabled with it). Among them the check that identity labels converged
# within the rounds (Spark's propagation spreads without pointer jumping: README "### Spark").
# dbt unit tests run on DuckDB only (README "### Spark"); dbt build would add those of the
# selected models, hence the --exclude.
SPARK_SELECTION = ("resource_type:seed", "resource_type:model", "test_type:data")
FLOAT_RELATIVE_TOLERANCE = 1e-9
SPARK_BUILD_TIMEOUT_SECONDS = 3600


@dataclass
class BothBuilds:
    duckdb_db: Path
    spark_relations_dir: Path  # <schema>/<relation>/: one Parquet folder per Spark relation
    spark_relations: list[str]


def _spark_env(spark_dir: Path, lake: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        SIGNALHOUSE_SPARK_DIR=str(spark_dir),
        SIGNALHOUSE_SPARK_RAW=str(lake),
        SIGNALHOUSE_SPARK_SHUFFLE_PARTITIONS="2",
        SPARK_LOCAL_IP="127.0.0.1",
    )
    return env


@pytest.fixture(scope="module")
def both_builds(tmp_path_factory) -> BothBuilds:
    if not SPARK_PYTHON.exists():
        pytest.fail(f"{SPARK_PYTHON} is missing: run `make venv-spark` first (needs Java 17)")
    root = tmp_path_factory.mktemp("spark")
    generate(root / "data", **GOLDEN_SAMPLE)
    edge_case_lines = EDGE_CASE_LINES + PERSONALIZATION_EDGE_CASE_LINES
    (root / "data" / EDGE_CASE_FILE).write_text("\n".join(edge_case_lines) + "\n")
    db = root / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings():
        patch.setenv("SIGNALHOUSE_PII_KEY", "spark-test-key")
        warnings.simplefilter("ignore")
        ingest_paths([root / "data"], db)
        built = run_dbt(["build", "--resource-type", "seed", "model"], db, vars=GOLDEN_VARS)
    assert built.success, (built.errors, built.exception)

    lake = root / "lake"
    export_raw_to_parquet(db, lake)
    spark_dir = root / "spark"
    env = _spark_env(spark_dir, lake)
    vars_yaml = "{" + ", ".join(f"{k}: {v}" for k, v in GOLDEN_VARS.items()) + "}"
    spark_build = subprocess.run(
        [*SPARK_DBT, "build", "--target", "spark", "--select", *SPARK_SELECTION,
         "--exclude", "test_type:unit",
         "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
         "--target-path", str(root / "target"), "--log-path", str(root / "logs"),
         "--vars", vars_yaml],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True,
        timeout=SPARK_BUILD_TIMEOUT_SECONDS, check=False,
    )  # fmt: skip
    assert spark_build.returncode == 0, (
        "dbt build --target spark failed; its output ends:\n" + spark_build.stdout[-6000:]
    )
    out = root / "spark_relations"
    compared_elsewhere = [name for name in RELATION_KEYS if not name.startswith("marts.")]
    dump = subprocess.run(
        [str(SPARK_PYTHON), str(Path(__file__).with_name("spark_dump.py")),
         str(spark_dir), str(out), "marts.*", *compared_elsewhere],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True,
        timeout=SPARK_BUILD_TIMEOUT_SECONDS, check=False,
    )  # fmt: skip
    assert dump.returncode == 0, dump.stderr[-6000:]
    return BothBuilds(db, out, dump.stdout.split())


def _normalized(value):
    """One comparable form per value: UTC-naive datetimes, lists of normalized items."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value
    if isinstance(value, list | tuple):
        return [_normalized(item) for item in value]
    return value


def _equal(left, right) -> bool:
    if isinstance(left, float) or isinstance(right, float):
        if left is None or right is None:
            return left is right
        return math.isclose(
            float(left), float(right), rel_tol=FLOAT_RELATIVE_TOLERANCE, abs_tol=0.0
        ) or (math.isnan(float(left)) and math.isnan(float(right)))
    return left == right


def _rows(con: duckdb.DuckDBPyConnection, relation_sql: str, key: tuple[str, ...]):
    cursor = con.execute(f"select * from {relation_sql} order by {', '.join(key)}")
    columns = [column[0] for column in cursor.description]
    return columns, [tuple(_normalized(value) for value in row) for row in cursor.fetchall()]


def _json_columns(con: duckdb.DuckDBPyConnection, relation_sql: str) -> set[str]:
    """DuckDB's JSON columns: Spark has no JSON type, so its text may escape differently."""
    described = con.execute(f"describe select * from {relation_sql}").fetchall()
    return {name for name, data_type, *_ in described if data_type == "JSON"}


def test_spark_builds_every_ported_mart(both_builds):
    marts = [name for name in both_builds.spark_relations if name.startswith("marts.")]
    assert sorted(marts) == sorted(f"marts.{mart}" for mart in MART_KEYS), (
        "the marts Spark built differ from tests/spark MART_KEYS: add a ported mart's key "
        "there (or find why it was not built)"
    )


@pytest.mark.parametrize("relation", sorted(RELATION_KEYS))
def test_relation_equal_on_duckdb_and_spark(both_builds, relation):
    key = RELATION_KEYS[relation]
    con = duckdb.connect(str(both_builds.duckdb_db), read_only=True)
    try:
        con.execute("set TimeZone = 'UTC'")
        duck_columns, duck_rows = _rows(con, relation, key)
        json_columns = _json_columns(con, relation)
        folder = both_builds.spark_relations_dir.joinpath(*relation.split("."))
        parquet = str(folder / "*.parquet").replace("'", "''")
        spark_columns, spark_rows = _rows(con, f"read_parquet('{parquet}')", key)
    finally:
        con.close()

    assert spark_columns == duck_columns, f"{relation}: columns differ"
    assert len(spark_rows) == len(duck_rows), (
        f"{relation}: {len(duck_rows)} rows on DuckDB, {len(spark_rows)} on Spark"
    )
    assert duck_rows, f"{relation} is empty on DuckDB: the golden sample exercises nothing"
    run_dependent = RUN_DEPENDENT_COLUMNS.get(relation, ())
    for column in run_dependent:
        position = duck_columns.index(column)
        for engine, rows in (("duckdb", duck_rows), ("spark", spark_rows)):
            values = {row[position] for row in rows}
            assert len(values) == 1 and None not in values, (
                f"{relation}.{column} is the build's own value: expected one non-null value "
                f"in every row on {engine}, got {sorted(map(repr, values))[:5]}"
            )
    key_positions = [duck_columns.index(column) for column in key]
    differences = []
    for duck_row, spark_row in zip(duck_rows, spark_rows, strict=True):
        row_key = tuple(duck_row[position] for position in key_positions)
        for column, duck_value, spark_value in zip(duck_columns, duck_row, spark_row, strict=True):
            if column in run_dependent:
                continue
            if column in json_columns and duck_value is not None and spark_value is not None:
                # The same JSON value: Spark writes characters outside the BMP as \\u
                # surrogate escapes (Jackson), DuckDB as UTF-8.
                duck_value, spark_value = json.loads(duck_value), json.loads(spark_value)
            if not _equal(duck_value, spark_value):
                differences.append(
                    f"{row_key} {column}: duckdb={duck_value!r} spark={spark_value!r}"
                )
    assert not differences, (
        f"{relation}: {len(differences)} values differ between DuckDB and Spark, e.g.\n"
        + "\n".join(differences[:20])
    )
