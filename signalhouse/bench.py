"""Benchmarks: figures measured in one run on this machine, printed with their ratios.

The machine is shared and noisy, so every figure is the median of several runs, and the
figures that matter are ratios between measurements taken in the same run.

`signalhouse bench ingest` compares, on the same simulator output (plain and gzip):
  S     DuckDB scanning the files as plain lines (read_csv, one VARCHAR column): the floor
  bare  DuckDB's explicit-schema read_ndjson into a table (no validation, no PII hashing)
  ours  `signalhouse ingest`: every line validated, typed, hashed and ledgered
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from signalhouse import __version__

RESULTS_DIR = Path("bench") / "results"
# Events the simulator writes per user per day, measured on its default world; used only to
# size the sample, the real count is reported.
EVENTS_PER_USER_DAY_GUESS = 5.5

BARE_COLUMNS = {
    "type": "VARCHAR",
    "messageId": "VARCHAR",
    "anonymousId": "VARCHAR",
    "userId": "VARCHAR",
    "previousId": "VARCHAR",
    "groupId": "VARCHAR",
    "event": "VARCHAR",
    "name": "VARCHAR",
    "timestamp": "TIMESTAMPTZ",
    "originalTimestamp": "TIMESTAMPTZ",
    "sentAt": "TIMESTAMPTZ",
    "receivedAt": "TIMESTAMPTZ",
    "context": "JSON",
    "properties": "JSON",
    "traits": "JSON",
}


def _median_seconds(action: Callable[[], None], repeat: int) -> float:
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def _sample(cache: Path, events: int) -> tuple[Path, Path, int]:
    """Simulator output of about `events` lines (gzip), and a plain copy; cached."""
    from signalhouse.simulator import generate

    days = 30
    users = max(50, round(events / (EVENTS_PER_USER_DAY_GUESS * days)))
    gz_dir = cache / f"ingest-{events}" / "gz"
    plain_dir = cache / f"ingest-{events}" / "plain"
    marker = cache / f"ingest-{events}" / "lines.txt"
    if not marker.exists():
        shutil.rmtree(marker.parent, ignore_errors=True)
        print(
            f"generating about {events:,} events ({users:,} users x {days} days)...",
            file=sys.stderr,
            flush=True,
        )
        generate(gz_dir, users=users, days=days, seed=7, tenants=2, defects="none")
        lines = 0
        for source in sorted(gz_dir.rglob("*.jsonl.gz")):
            target = plain_dir / source.relative_to(gz_dir).with_suffix("")
            target.parent.mkdir(parents=True, exist_ok=True)
            data = gzip.decompress(source.read_bytes())
            target.write_bytes(data)
            lines += data.count(b"\n")
        marker.write_text(str(lines))
    return plain_dir, gz_dir, int(marker.read_text())


def _glob(folder: Path, pattern: str) -> list[str]:
    return [str(path) for path in sorted(folder.rglob(pattern))]


def run_ingest_bench(*, events: int, repeat: int, cache: Path) -> dict:
    """Measure S, the bare reader and our ingest on the same files; print and save."""
    from ingest.loader import ingest_paths

    plain_dir, gz_dir, lines = _sample(cache, events)
    plain_files = _glob(plain_dir, "*.jsonl")
    gz_files = _glob(gz_dir, "*.jsonl.gz")
    work = Path(tempfile.mkdtemp(prefix="signalhouse-bench-"))

    def fresh(name: str) -> Path:
        path = work / f"{name}.duckdb"
        for leftover in (path, path.with_suffix(".duckdb.wal")):
            leftover.unlink(missing_ok=True)
        return path

    def scan(files: list[str]) -> None:
        con = duckdb.connect()
        con.execute(
            "select count(*), sum(length(line)) from read_csv(?, columns = {'line': 'VARCHAR'},"
            " delim = '\x01', quote = '', escape = '', header = false, auto_detect = false)",
            [files],
        ).fetchall()
        con.close()

    def bare(files: list[str]) -> None:
        con = duckdb.connect(str(fresh("bare")))
        con.execute(
            "create table events as select * from read_ndjson(?, columns = "
            + "{"
            + ", ".join(f"'{k}': '{v}'" for k, v in BARE_COLUMNS.items())
            + "})",
            [files],
        )
        con.close()

    def ours(folder: Path) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ingest_paths([folder], fresh("ours"))

    figures = {
        "S (plain lines scan)": _median_seconds(lambda: scan(plain_files), repeat),
        "bare read_ndjson, plain": _median_seconds(lambda: bare(plain_files), repeat),
        "ours, plain": _median_seconds(lambda: ours(plain_dir), repeat),
        "bare read_ndjson, gzip": _median_seconds(lambda: bare(gz_files), repeat),
        "ours, gzip": _median_seconds(lambda: ours(gz_dir), repeat),
    }
    shutil.rmtree(work, ignore_errors=True)
    floor = figures["S (plain lines scan)"]
    ratios = {
        "ours / bare, plain": figures["ours, plain"] / figures["bare read_ndjson, plain"],
        "ours / bare, gzip": figures["ours, gzip"] / figures["bare read_ndjson, gzip"],
        "ours gzip / ours plain": figures["ours, gzip"] / figures["ours, plain"],
    }
    result = {
        "benchmark": "ingest",
        "signalhouse": __version__,
        "duckdb": duckdb.__version__,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "lines": lines,
        "files": len(plain_files),
        "repeat": repeat,
        "caches": "files generated once and cached; OS page cache warm after the first run",
        "seconds": figures,
        "ratios": ratios,
        "goals": {"ours / bare, plain": 1.5, "ours gzip / ours plain": 1.2},
    }
    width = max(len(name) for name in [*figures, *ratios])
    print(f"ingest benchmark: {lines:,} lines in {len(plain_files)} files, median of {repeat}")
    print(f"{'figure':<{width}}  {'seconds':>8}  {'x S':>6}  {'lines/s':>10}")
    for name, seconds in figures.items():
        print(f"{name:<{width}}  {seconds:8.2f}  {seconds / floor:6.1f}  {lines / seconds:10,.0f}")
    for name, ratio in ratios.items():
        goal = result["goals"].get(name)
        print(f"{name:<{width}}  {ratio:8.2f}" + (f"  (goal <= {goal})" if goal else ""))
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    out = RESULTS_DIR / f"ingest-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"
    out.write_text(json.dumps(result, indent=2))
    print(f"written to {out}")
    return result
