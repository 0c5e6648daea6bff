"""Write Spark relations to Parquet, for the DuckDB/Spark comparison.

Runs under .venv-spark (pyspark), against the metastore that `dbt --target spark` wrote
(same settings as profiles.yml's spark output):

    .venv-spark/bin/python tests/spark/spark_dump.py SPARK_DIR OUT_DIR RELATION...

A RELATION is `database.relation`, or `database.*` for every relation of the database.
Writes OUT_DIR/<database>/<relation>/*.parquet (timestamps as UTC instants) and prints each
relation written as `database.relation`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from pyspark.sql import SparkSession


def main(spark_dir: str, out_dir: str, *requested: str) -> int:
    spark = (
        SparkSession.builder.master("local[2]")
        .enableHiveSupport()
        .config("spark.sql.warehouse.dir", f"{spark_dir}/tables")
        .config(
            "spark.hadoop.javax.jdo.option.ConnectionURL",
            f"jdbc:derby:;databaseName={spark_dir}/metastore_db;create=true",
        )
        .config("spark.driver.extraJavaOptions", f"-Dderby.system.home={spark_dir}")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )
    try:
        relations = []
        for name in requested:
            database, _, relation = name.partition(".")
            if relation == "*":
                tables = spark.sql(f"show tables in {database}").collect()
                relations += sorted((database, row.tableName) for row in tables)
            else:
                relations.append((database, relation))
        for database, relation in relations:
            target = Path(out_dir) / database / relation
            spark.table(f"{database}.{relation}").coalesce(1).write.mode("overwrite").parquet(
                str(target)
            )
            print(f"{database}.{relation}")
    finally:
        spark.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(*sys.argv[1:]))
