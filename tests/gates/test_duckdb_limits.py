"""DuckDB's memory_limit and temp_directory reach every connection of a command.

`--memory-limit` / `--temp-directory` (or SIGNALHOUSE_MEMORY_LIMIT /
SIGNALHOUSE_TEMP_DIRECTORY) must bind signalhouse's own connections and dbt-duckdb's (the
profile's plugin `signalhouse.duckdb_limits`): a limit that bound only one of them would let
the other grow past it. Unset, DuckDB's defaults hold.
"""

from __future__ import annotations

import os
import platform

import pytest

from signalhouse.cli import EXIT_USAGE, main
from signalhouse.warehouse import (
    DB_ENV_VAR,
    MEMORY_LIMIT_ENV_VAR,
    TEMP_DIRECTORY_ENV_VAR,
    connect,
    return_large_frees_to_the_system,
)

SETTINGS_SQL = (
    "select current_setting('memory_limit') as memory_limit, "
    "current_setting('temp_directory') as temp_directory"
)


@pytest.fixture
def clean_limits(monkeypatch):
    """Neither variable set; anything a test (or main()) sets is undone afterwards.

    `delenv` of an absent variable records nothing to undo, so each is set first: undo then
    removes it again, whatever main() wrote into os.environ meanwhile.
    """
    for name in (MEMORY_LIMIT_ENV_VAR, TEMP_DIRECTORY_ENV_VAR):
        monkeypatch.setenv(name, "unset by clean_limits")
        monkeypatch.delenv(name)
    return monkeypatch


def dbt_settings(db_path):
    """The settings dbt-duckdb's own connection has, from a real `dbt show`."""
    from dbt.cli.main import dbtRunner

    from signalhouse.dbt import _release_warehouse, dbt_command

    os.environ[DB_ENV_VAR] = str(db_path)
    try:
        result = dbtRunner().invoke(dbt_command(["show", "--inline", SETTINGS_SQL]))
    finally:
        _release_warehouse()
    assert result.success, result.exception
    table = result.result.results[0].agate_table
    return dict(zip(table.column_names, table.rows[0], strict=True))


def our_settings(db_path):
    con = connect(db_path)
    try:
        row = con.execute(SETTINGS_SQL).fetchone()
    finally:
        con.close()
    return {"memory_limit": row[0], "temp_directory": row[1]}


@pytest.mark.slow
def test_the_limits_bind_our_connections_and_dbts(tmp_path, clean_limits):
    db_path = tmp_path / "w.duckdb"
    default = our_settings(db_path)
    assert default["memory_limit"] != "1.0 GiB"
    assert default["temp_directory"] == f"{db_path}.tmp"

    spill = tmp_path / "spill"
    clean_limits.setenv(MEMORY_LIMIT_ENV_VAR, "1GiB")
    clean_limits.setenv(TEMP_DIRECTORY_ENV_VAR, str(spill))
    expected = {"memory_limit": "1.0 GiB", "temp_directory": str(spill)}
    assert our_settings(db_path) == expected
    assert dbt_settings(db_path) == expected

    # Unset again, dbt's connection is DuckDB's default one (the plugin adds nothing).
    clean_limits.delenv(MEMORY_LIMIT_ENV_VAR)
    clean_limits.delenv(TEMP_DIRECTORY_ENV_VAR)
    assert dbt_settings(db_path) == default


def test_the_cli_flags_set_the_limits_for_the_whole_command(tmp_path, clean_limits, capsys):
    (tmp_path / "empty").mkdir()
    spill = tmp_path / "spill"
    argv = ["ingest", str(tmp_path / "empty"), "--db", str(tmp_path / "w.duckdb")]
    code = main([*argv, "--memory-limit", "512MiB", "--temp-directory", str(spill)])
    # The command itself fails (no input files), after the flags took effect.
    assert code == EXIT_USAGE
    assert os.environ[MEMORY_LIMIT_ENV_VAR] == "512MiB"
    assert os.environ[TEMP_DIRECTORY_ENV_VAR] == str(spill)
    assert our_settings(tmp_path / "w.duckdb") == {
        "memory_limit": "512.0 MiB",
        "temp_directory": str(spill),
    }


def test_only_a_memory_limit_makes_the_cli_return_large_frees_to_the_system(tmp_path, clean_limits):
    calls = []
    clean_limits.setattr(
        "signalhouse.warehouse.return_large_frees_to_the_system", lambda: calls.append(1) or True
    )
    (tmp_path / "empty").mkdir()
    argv = ["ingest", str(tmp_path / "empty"), "--db", str(tmp_path / "w.duckdb")]
    assert main(argv) == EXIT_USAGE
    assert calls == []
    assert main([*argv, "--temp-directory", str(tmp_path / "spill")]) == EXIT_USAGE
    assert calls == []
    assert main([*argv, "--memory-limit", "512MiB"]) == EXIT_USAGE
    assert calls


def test_a_memory_limit_makes_our_connections_and_dbts_return_large_frees(tmp_path, clean_limits):
    """`dbt` run directly and notebooks calling `connect` get what the CLI does."""
    calls = []

    def record():
        calls.append(1)
        return True

    clean_limits.setattr("signalhouse.warehouse.return_large_frees_to_the_system", record)
    db_path = tmp_path / "w.duckdb"
    clean_limits.setenv(TEMP_DIRECTORY_ENV_VAR, str(tmp_path / "spill"))
    our_settings(db_path)
    dbt_settings(db_path)
    assert calls == []

    clean_limits.setenv(MEMORY_LIMIT_ENV_VAR, "1GiB")
    our_settings(db_path)
    assert calls == [1]
    dbt_settings(db_path)
    assert len(calls) >= 2


def dbt_threads(db_path) -> list[int]:
    """How many threads a real `dbt show` runs with (dbt's ConcurrencyLine event)."""
    from dbt.cli.main import dbtRunner

    from signalhouse.dbt import _release_warehouse, dbt_command

    threads = []

    def listen(event) -> None:
        if event.info.name == "ConcurrencyLine":
            threads.append(event.data.num_threads)

    os.environ[DB_ENV_VAR] = str(db_path)
    try:
        result = dbtRunner(callbacks=[listen]).invoke(
            dbt_command(["show", "--inline", "select 1 as one"])
        )
    finally:
        _release_warehouse()
    assert result.success, result.exception
    return threads


def test_under_a_memory_limit_dbt_builds_one_model_at_a_time(tmp_path, clean_limits):
    """Two models side by side share one memory_limit: at 10M events under 1 GiB, whichever
    two heavy marts dbt happened to start together ran out of it (each passes alone)."""
    db_path = tmp_path / "w.duckdb"
    assert dbt_threads(db_path) == [2]
    clean_limits.setenv(TEMP_DIRECTORY_ENV_VAR, str(tmp_path / "spill"))
    assert dbt_threads(db_path) == [2]
    clean_limits.setenv(MEMORY_LIMIT_ENV_VAR, "1GiB")
    assert dbt_threads(db_path) == [1]


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_glibc_takes_the_fixed_mmap_threshold():
    assert return_large_frees_to_the_system() is True


@pytest.mark.parametrize("size", ["lots", "80%", "1.5 parsecs"])
def test_a_size_duckdb_does_not_take_is_a_usage_error_saying_what_to_give(
    tmp_path, clean_limits, capsys, size
):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.jsonl").write_text("{}\n")
    db_path = tmp_path / "w.duckdb"
    code = main(["ingest", str(tmp_path / "in"), "--db", str(db_path), "--memory-limit", size])
    assert code == EXIT_USAGE
    err = capsys.readouterr().err
    assert f"--memory-limit) {size!r} is not a memory size DuckDB takes" in err
    assert "e.g. 1536MiB or 2GB" in err
    # Refused before anything was opened or loaded.
    assert not db_path.exists()
