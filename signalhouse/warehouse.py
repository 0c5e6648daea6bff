"""Where the warehouse file lives and how to open it.

Every stage opens its own short-lived DuckDB connection through `connect`, pinned to UTC,
and closes it before the next stage starts: DuckDB allows one writer process at a time.
"""

from __future__ import annotations

import ctypes
import functools
import os
import re
from pathlib import Path

import duckdb

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DB = Path("warehouse") / "signalhouse.duckdb"
DB_ENV_VAR = "SIGNALHOUSE_DB"
# DuckDB's memory_limit and temp_directory for every connection of a command: ours and
# dbt-duckdb's (profiles.yml loads the plugin signalhouse.duckdb_limits). Unset, DuckDB's
# defaults hold: 80 % of the machine's memory, spilling to `<warehouse>.tmp`.
MEMORY_LIMIT_ENV_VAR = "SIGNALHOUSE_MEMORY_LIMIT"
TEMP_DIRECTORY_ENV_VAR = "SIGNALHOUSE_TEMP_DIRECTORY"
# glibc's M_MMAP_THRESHOLD (mallopt's parameter number), and the value fixed under a limit.
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD_BYTES = 1 << 20


class WarehouseLockedError(RuntimeError):
    """Another process holds the warehouse file open for writing."""


class WarehouseSettingError(ValueError):
    """A DuckDB setting from the environment that DuckDB does not take."""


def duckdb_limits() -> dict[str, str]:
    """DuckDB's memory_limit and temp_directory from the environment, for `duckdb.connect`'s
    config: {} when neither is set. Raises WarehouseSettingError on a size DuckDB rejects."""
    limits = {}
    memory = os.environ.get(MEMORY_LIMIT_ENV_VAR, "").strip()
    if memory:
        _check_memory_limit(memory)
        limits["memory_limit"] = memory
    temp = os.environ.get(TEMP_DIRECTORY_ENV_VAR, "").strip()
    if temp:
        limits["temp_directory"] = str(Path(temp).expanduser().resolve())
    return limits


def return_large_frees_to_the_system() -> bool:
    """Fix glibc's mmap threshold at 1 MiB for this process; False where there is no glibc.

    glibc raises the threshold after each large free (up to 32 MiB), so later buffers of a
    few MiB (decoded input, DuckDB's own allocations outside its buffer pool) come from heaps
    that keep their freed pages: RSS then runs further over DuckDB's memory_limit. Measured
    on 2.2M lines (the 30 largest 10M sample files) ingested by the CLI under a 1 GiB limit,
    three runs each, alternating: peak RSS 1,927 MiB (1,827-2,093) -> 1,749 MiB (1,719-1,826),
    wall 108 s -> 112 s (103-114; within the runs' noise). Done whenever a memory limit is
    set: by the CLI at start, by `connect` and by dbt's connection (the profile's plugin), so
    `dbt` run directly and notebooks get it too.
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES))


def connection_limits() -> dict[str, str]:
    """What every connection of a command opens with, ours (`connect`), dbt's (the profile's
    plugin) and the CLI's at start: `duckdb_limits()`, and under a memory limit glibc's mmap
    threshold fixed for this process first (`return_large_frees_to_the_system`)."""
    limits = duckdb_limits()
    if "memory_limit" in limits:
        return_large_frees_to_the_system()
    return limits


@functools.cache
def _check_memory_limit(memory: str) -> None:
    try:
        duckdb.connect(config={"memory_limit": memory}).close()
    except duckdb.Error as exc:
        raise WarehouseSettingError(
            f"{MEMORY_LIMIT_ENV_VAR} (or --memory-limit) {memory!r} is not a memory size DuckDB "
            f"takes ({str(exc).splitlines()[0]}): give a number and a unit, e.g. 1536MiB or 2GB"
        ) from exc


def resolve_db_path(db: str | os.PathLike[str] | None = None) -> Path:
    """Return the warehouse path: `--db`, else `$SIGNALHOUSE_DB`, else the default."""
    chosen = db or os.environ.get(DB_ENV_VAR) or DEFAULT_DB
    return Path(chosen).expanduser().resolve()


def connect(db_path: Path, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """Open the warehouse pinned to UTC, with the environment's DuckDB limits (connection_limits);
    raise WarehouseLockedError if another process holds it."""
    if not read_only:
        db_path.parent.mkdir(parents=True, exist_ok=True)
    elif not db_path.exists():
        raise FileNotFoundError(
            f"warehouse {db_path} does not exist: run `signalhouse ingest` or `make demo` first"
        )
    try:
        con = duckdb.connect(str(db_path), read_only=read_only, config=connection_limits())
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
