"""Run dbt in-process against the Signalhouse project and warehouse.

dbt's Python runner saves the ~2.5 s start-up of a `dbt` process per command. The
warehouse path reaches dbt's profile through `SIGNALHOUSE_DB`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from signalhouse.warehouse import DB_ENV_VAR, PROJECT_DIR, connect

TEST_FAILURE_STATUSES = {"fail", "warn_error"}
ERROR_STATUSES = {"error", "runtime error"}


@dataclass
class DbtOutcome:
    """What a dbt command did: success, failing tests and errored nodes, by unique id; the
    tests that passed, each with the node it is attached to (None for a singular test)."""

    success: bool
    failed_tests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    passed_tests: dict[str, str | None] = field(default_factory=dict)
    exception: str | None = None


def run_dbt(args: list[str], db_path: Path, *, vars: dict | None = None) -> DbtOutcome:
    """Invoke a dbt command (e.g. ["build"]) with the project's paths and this warehouse."""
    from dbt.cli.main import dbtRunner

    # Fail fast and clearly when another process holds the file.
    connect(db_path).close()
    os.environ[DB_ENV_VAR] = str(db_path)
    try:
        result = dbtRunner().invoke(dbt_command(args, vars=vars))
    finally:
        _release_warehouse()
    outcome = DbtOutcome(success=bool(result.success))
    if result.exception is not None:
        outcome.exception = str(result.exception)
    for node_result in getattr(result.result, "results", None) or []:
        status = str(getattr(node_result, "status", "")).lower()
        node = getattr(node_result, "node", None)
        unique_id = getattr(node, "unique_id", "?")
        if status == "pass" and unique_id.startswith("test."):
            outcome.passed_tests[unique_id] = getattr(node, "attached_node", None)
        elif status in TEST_FAILURE_STATUSES:
            outcome.failed_tests.append(unique_id)
        elif status in ERROR_STATUSES:
            outcome.errors.append(unique_id)
    return outcome


def dbt_command(args: list[str], *, vars: dict | None = None) -> list[str]:
    """dbt's arguments for a command on this project: its project, profile and log paths."""
    command = [
        *args,
        "--project-dir",
        str(PROJECT_DIR),
        "--profiles-dir",
        str(PROJECT_DIR),
        "--log-path",
        str(PROJECT_DIR / "target" / "logs"),
    ]
    if vars:
        import json

        command += ["--vars", json.dumps(vars)]
    return command


def _release_warehouse() -> None:
    """Close the DuckDB instance dbt-duckdb keeps open in this process after a command.

    Otherwise the next stage in the same process (or a read-only reader) cannot open the
    file. dbt-duckdb keeps it on a class attribute; the version is pinned in constraints.txt.
    """
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV
    if environment is not None:
        environment.close()
    DuckDBConnectionManager.close_all_connections()
