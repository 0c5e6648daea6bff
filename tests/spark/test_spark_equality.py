"""The same dbt project on DuckDB and on Spark: every mart Spark builds equals DuckDB's.

`make test-spark` runs this (it needs `.venv-spark`, from `make venv-spark`, and Java 17).
A small golden sample is ingested into DuckDB and built there; its raw tables are exported to
a Parquet lake (`ingest.lake`), built with `dbt --target spark` (local PySpark, session
method), and every relation in Spark's `marts` schema is compared with DuckDB's row by row:
rows sorted by the mart's key, floats within 1e-9 relative, timestamps compared as UTC
instants. Not part of `make test`: a Spark build takes minutes on a small machine.
"""

from __future__ import annotations

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
SPARK_DBT = SPARK_VENV / "bin" / "dbt"

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
# What is ported to Spark so far (README "### Spark"); each with the key its rows sort by.
MART_KEYS = {
    "dim_identity_map": ("tenant_id", "identifier_type", "identifier"),
    "dim_persons": ("tenant_id", "person_id"),
    "fct_analytics_events": ("tenant_id", "event_id"),
    "fct_events": ("tenant_id", "event_id"),
    "fct_sessions": ("tenant_id", "session_id"),
}
# Seeds and models, and the check that identity labels converged within the rounds (Spark's
# propagation spreads without pointer jumping: README "### Spark").
SPARK_SELECTION = (
    "resource_type:seed",
    "resource_type:model",
    "assert_identity_label_propagation_converged",
)
FLOAT_RELATIVE_TOLERANCE = 1e-9
SPARK_BUILD_TIMEOUT_SECONDS = 3600


@dataclass
class BothBuilds:
    duckdb_db: Path
    spark_marts: Path  # one Parquet folder per Spark mart
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
    if not SPARK_DBT.exists():
        pytest.fail(f"{SPARK_DBT} is missing: run `make venv-spark` first (needs Java 17)")
    root = tmp_path_factory.mktemp("spark")
    generate(root / "data", **GOLDEN_SAMPLE)
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
        [str(SPARK_DBT), "build", "--target", "spark", "--select", *SPARK_SELECTION,
         "--indirect-selection", "empty",
         "--project-dir", str(PROJECT_DIR), "--profiles-dir", str(PROJECT_DIR),
         "--target-path", str(root / "target"), "--log-path", str(root / "logs"),
         "--vars", vars_yaml],
        cwd=PROJECT_DIR, env=env, capture_output=True, text=True,
        timeout=SPARK_BUILD_TIMEOUT_SECONDS, check=False,
    )  # fmt: skip
    assert spark_build.returncode == 0, (
        "dbt build --target spark failed; its output ends:\n" + spark_build.stdout[-6000:]
    )
    out = root / "spark_marts"
    dump = subprocess.run(
        [str(SPARK_VENV / "bin" / "python"), str(Path(__file__).with_name("spark_dump.py")),
         str(spark_dir), "marts", str(out)],
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


def test_spark_builds_every_ported_mart(both_builds):
    assert sorted(both_builds.spark_relations) == sorted(MART_KEYS), (
        "the marts Spark built differ from tests/spark MART_KEYS: add a ported mart's key "
        "there (or find why it was not built)"
    )


@pytest.mark.parametrize("mart", sorted(MART_KEYS))
def test_mart_equal_on_duckdb_and_spark(both_builds, mart):
    key = MART_KEYS[mart]
    con = duckdb.connect(str(both_builds.duckdb_db), read_only=True)
    try:
        con.execute("set TimeZone = 'UTC'")
        duck_columns, duck_rows = _rows(con, f"marts.{mart}", key)
        parquet = str(both_builds.spark_marts / mart / "*.parquet").replace("'", "''")
        spark_columns, spark_rows = _rows(con, f"read_parquet('{parquet}')", key)
    finally:
        con.close()

    assert spark_columns == duck_columns, f"{mart}: columns differ"
    assert len(spark_rows) == len(duck_rows), (
        f"{mart}: {len(duck_rows)} rows on DuckDB, {len(spark_rows)} on Spark"
    )
    assert duck_rows, f"{mart} is empty on DuckDB: the golden sample exercises nothing"
    key_positions = [duck_columns.index(column) for column in key]
    differences = []
    for duck_row, spark_row in zip(duck_rows, spark_rows, strict=True):
        row_key = tuple(duck_row[position] for position in key_positions)
        for column, duck_value, spark_value in zip(duck_columns, duck_row, spark_row, strict=True):
            if not _equal(duck_value, spark_value):
                differences.append(
                    f"{row_key} {column}: duckdb={duck_value!r} spark={spark_value!r}"
                )
    assert not differences, (
        f"{mart}: {len(differences)} values differ between DuckDB and Spark, e.g.\n"
        + "\n".join(differences[:20])
    )
