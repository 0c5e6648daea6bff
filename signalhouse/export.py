"""`signalhouse export --tenant T`: one tenant's marts as files, and nothing else.

Every relation of schema `marts` that has a `tenant_id` column is copied with DuckDB's COPY,
filtered to the tenant, one file per relation (Parquet or CSV). Relations without a
`tenant_id` column cannot be split by tenant and are left out (listed in the result and in
`export.json`). The warehouse is opened read-only, so an export can run beside readers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from signalhouse.warehouse import connect

FORMATS = ("parquet", "csv")


class ExportUsageError(ValueError):
    """The export cannot run as asked (unknown tenant or format, nothing built)."""


@dataclass
class ExportResult:
    tenant: str
    out_dir: Path
    format: str
    rows: dict[str, int] = field(default_factory=dict)
    files: dict[str, Path] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "tenant_id": self.tenant,
            "format": self.format,
            "exported_at": datetime.now(UTC).isoformat(),
            "rows": self.rows,
            "files": {name: path.name for name, path in self.files.items()},
            "skipped_without_tenant_id": self.skipped,
        }


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def export_tenant(db_path: Path, tenant: str, out_dir: Path, fmt: str = "parquet") -> ExportResult:
    """Copy every tenant-keyed mart's rows of `tenant` to `out_dir/<relation>.<fmt>`."""
    if fmt not in FORMATS:
        raise ExportUsageError(f"unknown format {fmt!r}: pass --format parquet or --format csv")
    con = connect(db_path, read_only=True)
    try:
        relations = con.execute(
            """
            select
                tables.table_name,
                count(columns.column_name) filter (where columns.column_name = 'tenant_id') > 0
            from information_schema.tables as tables
            left join information_schema.columns as columns
                on tables.table_catalog = columns.table_catalog
                and tables.table_schema = columns.table_schema
                and tables.table_name = columns.table_name
            where tables.table_schema = 'marts' and tables.table_catalog = current_database()
            group by tables.table_name
            order by tables.table_name
            """
        ).fetchall()
        if not relations:
            raise ExportUsageError(
                f"warehouse {db_path} has no marts: run `signalhouse nightly PATH` first"
            )
        keyed = [name for name, has_tenant in relations if has_tenant]
        known = {
            tenant_id
            for name in keyed
            for (tenant_id,) in con.execute(
                f'select distinct tenant_id from marts."{name}"'
            ).fetchall()
        }
        if tenant not in known:
            raise ExportUsageError(
                f"tenant {tenant!r} has no rows in any mart of {db_path}; tenants present: "
                + (", ".join(sorted(t for t in known if t is not None)) or "none")
            )
        out_dir.mkdir(parents=True, exist_ok=True)
        result = ExportResult(tenant, out_dir, fmt)
        result.skipped = [name for name, has_tenant in relations if not has_tenant]
        options = "format parquet" if fmt == "parquet" else "format csv, header true"
        for name in keyed:
            path = out_dir / f"{name}.{fmt}"
            query = f'select * from marts."{name}" where tenant_id = {_sql_string(tenant)}'
            copied = con.execute(f"copy ({query}) to {_sql_string(str(path))} ({options})")
            result.rows[name] = copied.fetchone()[0]
            result.files[name] = path
    finally:
        con.close()
    (out_dir / "export.json").write_text(json.dumps(result.to_dict(), indent=2) + "\n")
    return result
