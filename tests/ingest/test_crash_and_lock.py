"""A killed loader leaves no half-loaded file; a locked warehouse fails fast and clearly."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

import pytest

from tests.ingest.conftest import line, rows, write_lines
from tests.ingest.test_ledger import state

CLI = [sys.executable, "-m", "signalhouse.cli"]


def _env() -> dict[str, str]:
    return {**os.environ, "SIGNALHOUSE_PII_KEY": "test-key"}


def _make_inputs(folder, files: int, lines_per_file: int) -> None:
    for number in range(files):
        lines = [
            line(messageId=f"f{number}-m{i}", properties={"i": i, "pad": "x" * 200})
            for i in range(lines_per_file)
        ]
        lines[7] = b"{not json"
        lines[11] = b""
        write_lines(
            folder / f"tenant=t{number % 2}" / f"day-{number:03}.jsonl.gz", lines, compress=True
        )


def _ingest(folder, db, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*CLI, "ingest", str(folder), "--db", str(db)],
        env=_env(),
        capture_output=True,
        text=True,
        **kwargs,
    )


@pytest.mark.slow
def test_sigkill_at_random_moments_then_rerun_equals_an_uninterrupted_run(tmp_path):
    folder = tmp_path / "in"
    _make_inputs(folder, files=24, lines_per_file=3000)
    reference = tmp_path / "reference.duckdb"
    assert _ingest(folder, reference).returncode == 0
    expected = state(reference)

    db = tmp_path / "killed.duckdb"
    chance = random.Random(20261122)
    partial_states = []
    for _ in range(4):
        process = subprocess.Popen(
            [*CLI, "ingest", str(folder), "--db", str(db)],
            env=_env(),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(chance.uniform(0.8, 3.0))
        process.send_signal(signal.SIGKILL)
        process.wait()
        if db.exists():
            loaded = rows(db, "select count(*) from raw.files")[0][0]
            partial_states.append(loaded)
            # Whatever committed is whole: each recorded file has all its rows.
            assert rows(
                db,
                "select count(*) from raw.files f where lines_loaded <> "
                "(select count(*) from raw.events e where e._file_sha256 = f.sha256)",
            ) == [(0,)]
    assert any(0 < loaded < 24 for loaded in partial_states), (
        f"no kill landed mid-run (files loaded after each kill: {partial_states}); "
        "the test did not exercise a crash"
    )

    assert _ingest(folder, db).returncode == 0
    assert state(db) == expected


def test_a_locked_warehouse_exits_3_within_5_seconds_saying_what_to_do(tmp_path):
    db = tmp_path / "locked.duckdb"
    source = write_lines(tmp_path / "in" / "a.jsonl", [line()])
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('ready', flush=True);"
            " time.sleep(60)",
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        for command in (["ingest", str(source)], ["build"]):
            started = time.monotonic()
            result = subprocess.run(
                [*CLI, *command, "--db", str(db)],
                env=_env(),
                capture_output=True,
                text=True,
                timeout=30,
            )
            assert time.monotonic() - started < 5
            assert result.returncode == 3, result.stderr
            assert "is locked by process" in result.stderr
            assert str(holder.pid) in result.stderr
            assert "run this again" in result.stderr
    finally:
        holder.kill()
        holder.wait()
