"""Where the warehouse file lives and how to open it.

Every stage opens its own short-lived DuckDB connection through `connect`, pinned to UTC,
and closes it before the next stage starts: DuckDB allows one writer process at a time.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DB = Path("warehouse") / "signalhouse.duckdb"
DB_ENV_VAR = "SIGNALHOUSE_DB"


class WarehouseLockedError(RuntimeError):
    """Another process holds the warehouse file open for writing."""


def resolve_db_path(db: str | os.PathLike[str] | None = None) -> Path:
    """Return the warehouse path: `--db`, else `$SIGNALHOUSE_DB`, else the default."""
    chosen = db or os.environ.get(DB_ENV_VAR) or DEFAULT_DB
    return Path(chosen).expanduser().resolve()


def connect(db_path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse pinned to UTC; raise WarehouseLockedError if another process holds it."""
    if not read_only:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    elif not db_path.exists():
        raise FileNotFoundError(
            f"warehouse {db_path} does not exist: run `signalhouse ingest` or `make demo` first"
        )
    try:
        con = duckdb.connect(str(db_path), read_only=read_only)
    except duckdb.IOException as exc:
        if "lock" in str(exc).lower():
            raise WarehouseLockedError(lock_message(db_path, str(exc))) from exc
        raise
    con.execute("set TimeZone = 'UTC'")
    # DuckDB draws a progress bar even when no terminal is attached; the CLI shows its own.
    con.execute("set enable_progress_bar = false")
    return con


def lock_message(db_path: Path, detail: str) -> str:
    """Say who holds the file and what to do, from DuckDB's lock error text."""
    pid = re.search(r"PID (\d+)", detail)
    holder = f"process {pid.group(1)}" if pid else "another process"
    return (
        f"the warehouse {db_path} is locked by {holder}. DuckDB allows one writer at a time: "
        "wait for that run (ingest, dbt, a notebook) to finish or stop it, then run this again; "
        "readers should open the file with read_only=True."
    )
