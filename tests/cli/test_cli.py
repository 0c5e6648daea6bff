"""The CLI: help everywhere, documented exit codes, messages that say what to do."""

from __future__ import annotations

import subprocess
import sys

import pytest

from signalhouse.cli import EXIT_USAGE, build_parser, main

COMMANDS = [
    "generate",
    "ingest",
    "build",
    "nightly",
    "check",
    "report",
    "erase",
    "suppress",
    "export",
    "bench",
]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main([command, "--help"])
    assert exit_info.value.code == 0
    assert "usage: signalhouse" in capsys.readouterr().out


def test_the_parser_knows_every_command():
    subparsers = build_parser()._subparsers._group_actions[0].choices
    assert set(subparsers) == set(COMMANDS)


def test_erase_needs_a_tenant_and_exactly_one_identifier(capsys):
    for argv in (["erase", "--user-id", "u"], ["erase", "--tenant", "acme"]):
        with pytest.raises(SystemExit) as exit_info:
            main(argv)
        assert exit_info.value.code == EXIT_USAGE
    with pytest.raises(SystemExit):
        main(["erase", "--tenant", "acme", "--user-id", "u", "--email", "a@b.co"])


def test_erase_on_a_missing_warehouse_is_a_usage_error(tmp_path, capsys):
    code = main(["erase", "--tenant", "acme", "--user-id", "u", "--db", str(tmp_path / "x.duckdb")])
    assert code == EXIT_USAGE
    assert "nothing to erase" in capsys.readouterr().err


def test_a_folder_without_input_files_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    code = main(["ingest", str(tmp_path / "empty"), "--db", str(tmp_path / "w.duckdb")])
    assert code == EXIT_USAGE
    assert "no input files found" in capsys.readouterr().err


def test_a_missing_path_is_a_usage_error(tmp_path, capsys):
    assert main(["ingest", str(tmp_path / "nope"), "--db", str(tmp_path / "w.duckdb")]) == 2
    assert "no such file or folder" in capsys.readouterr().err


def test_build_without_a_warehouse_says_to_ingest_first(tmp_path, capsys):
    assert main(["build", "--db", str(tmp_path / "missing.duckdb")]) == EXIT_USAGE
    assert "run `signalhouse ingest PATH` first" in capsys.readouterr().err


def test_the_console_script_runs():
    result = subprocess.run(
        [sys.executable, "-m", "signalhouse.cli", "--version"], capture_output=True, text=True
    )
    assert result.returncode == 0 and "signalhouse" in result.stdout
