"""Raw landing for Spark: export the raw tables that dbt's sources read to a Parquet lake.

The Spark target reads `raw.*` as external Parquet tables over `<lake>/<table>/` (registered
by the `register_raw_lake` on-run-start hook). Layout, one folder per raw table:

    <lake>/events/part-0.parquet      raw.events (payload as a JSON string)
    <lake>/quarantine/part-0.parquet  raw.quarantine
    <lake>/files/part-0.parquet       raw.files
    <lake>/ingest_runs/part-0.parquet raw.ingest_runs

Timestamps are written as UTC instants (Parquet TIMESTAMP, adjusted to UTC). Data already in
a lake in this layout and these columns needs no export: point SIGNALHOUSE_SPARK_RAW at it.

    python -m ingest.lake --db warehouse/signalhouse.duckdb --out warehouse/spark/lake
"""

from __future__ import annotations

import argparse
import shutil
from collections.abc import Sequence
from pathlib import Path

from signalhouse.warehouse import connect, resolve_db_path

RAW_TABLES = ("events", "quarantine", "files", "ingest_runs")


def export_raw_to_parquet(db_path: Path, lake: Path) -> dict[str, int]:
    """Write every raw table to `<lake>/<table>/part-0.parquet`; return rows per table.

    Each table's folder is replaced whole, so the lake always mirrors the warehouse.
    """
    lake.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    con = connect(db_path, read_only=True)
    try:
        for table in RAW_TABLES:
            columns = con.execute(
                "select column_name, data_type from information_schema.columns "
                "where table_schema = 'raw' and table_name = ? order by ordinal_position",
                [table],
            ).fetchall()
            if not columns:
                raise FileNotFoundError(
                    f"raw.{table} is missing from {db_path}: run `signalhouse ingest` first"
                )
            # Spark has no JSON type: JSON columns travel as strings.
            select_list = ", ".join(
                f'"{name}"::varchar as "{name}"' if data_type == "JSON" else f'"{name}"'
                for name, data_type in columns
            )
            folder = lake / table
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir()
            target = str(folder / "part-0.parquet").replace("'", "''")
            con.execute(
                f"copy (select {select_list} from raw.{table}) to '{target}' (format parquet)"
            )
            counts[table] = con.execute(f"select count(*) from raw.{table}").fetchone()[0]
    finally:
        con.close()
    return counts


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m ingest.lake",
        description="Export the raw tables to a Parquet lake that the Spark target reads.",
    )
    parser.add_argument("--db", help="warehouse file (default: $SIGNALHOUSE_DB or the default)")
    parser.add_argument("--out", type=Path, required=True, help="lake folder")
    args = parser.parse_args(argv)
    counts = export_raw_to_parquet(resolve_db_path(args.db), args.out)
    for table, rows in counts.items():
        print(f"raw.{table}: {rows} rows -> {args.out / table}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
