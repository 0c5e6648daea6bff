"""Benchmarks: figures measured in one run on this machine, printed with their ratios.

The machine may be shared and noisy, so every figure is the median of several runs (the
number of runs is printed next to it), and the figures that matter are ratios between
measurements taken in the same run; absolute seconds depend on the load.

`signalhouse bench [--sizes 1m,10m] [--stages ...]` measures, per size, on the same
simulator output (plain and gzip):
  scan         S: DuckDB scanning the files as plain lines (read_csv, one VARCHAR column)
  ingest       DuckDB's bare explicit-schema read_ndjson into a table vs `signalhouse ingest`
  nightly      the full nightly (ingest + `dbt build` with every test + checks), a child
               process, with its peak RSS
  memory       the same nightly with DuckDB's memory_limit and temp_directory set
  incremental  a nightly adding 1 % new events (some late) to a warehouse built on the rest
  pandas       the pipeline a user might write in pandas (dedup, sessions, one funnel,
               weekly retention) from the same files
  chdb         ClickHouse's windowFunnel (chDB) vs our funnel models, same ordered funnel
and, with two sizes, how each figure grows between them.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import warnings
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from signalhouse import __version__

RESULTS_DIR = Path("bench") / "results"
# Events the simulator writes per user per day, measured on its default world; used only to
# size the sample, the real count is reported.
EVENTS_PER_USER_DAY_GUESS = 5.5
SAMPLE_DAYS = 30
STAGES = ("scan", "ingest", "nightly", "memory", "incremental", "pandas", "chdb")
GOALS = {
    "ours / bare, plain": 1.5,
    "ours gzip / ours plain": 1.2,
    "nightly x S": 15.0,
    "peak RSS GiB, limited": 2.0,
    "limited / unlimited time": 1.1,
    "incremental / full": 0.05,
    "pandas / ours": 10.0,
    "chdb / ours funnel": 1.0,
    "growth": 10.5,
}
# Goals that are floors: pandas must take at least 10x our time; chDB at least ours.
AT_LEAST = {"pandas / ours", "chdb / ours funnel"}
# DuckDB's limit in the memory stage. The goal bounds the whole process (2 GiB), and DuckDB
# is not all of it: Python, dbt's manifest, ingest's decoded input and DuckDB's own memory
# outside its buffer pool measured 0.6-0.9 GiB more (1M: 1536 MiB gave a 2.4 GiB peak).
MEMORY_LIMIT = "1GiB"
NIGHTLY = "nightly: full (ingest + dbt build + checks)"
LOG_TAIL_LINES = 30
# Kept events over which our funnel and ClickHouse's windowFunnel are compared.
FUNNEL_ID = "signup_to_order"
HELD_OUT_DAYS = 3
HELD_OUT_SHARE = 0.01

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


def parse_size(text: str) -> int:
    """'1m' -> 1_000_000, '2k' -> 2_000, '500000' -> 500_000."""
    text = text.strip().lower().replace("_", "")
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    number = text[:-1] if scale > 1 else text
    try:
        value = int(float(number) * scale)
    except ValueError as exc:
        raise ValueError(f"size {text!r} is not a number like 2k, 1m or 10m") from exc
    if value < 100:
        raise ValueError(f"size {text!r} is too small: use at least 100 events")
    return value


def size_label(events: int) -> str:
    if events % 1_000_000 == 0:
        return f"{events // 1_000_000}m"
    if events % 1_000 == 0:
        return f"{events // 1_000}k"
    return str(events)


class Timings:
    """Runs of one figure: seconds of each run; the figure is their median."""

    def __init__(self) -> None:
        self.runs: list[float] = []

    def time(self, action: Callable[[], object]) -> object:
        started = time.perf_counter()
        value = action()
        self.runs.append(time.perf_counter() - started)
        return value

    @property
    def median(self) -> float:
        return statistics.median(self.runs)


def _sample(cache: Path, events: int) -> tuple[Path, Path, int]:
    """Simulator output of about `events` lines (gzip), and a plain copy; cached."""
    from signalhouse.simulator import generate

    users = max(10, round(events / (EVENTS_PER_USER_DAY_GUESS * SAMPLE_DAYS)))
    gz_dir = cache / f"ingest-{events}" / "gz"
    plain_dir = cache / f"ingest-{events}" / "plain"
    marker = cache / f"ingest-{events}" / "lines.txt"
    if not marker.exists():
        shutil.rmtree(marker.parent, ignore_errors=True)
        print(
            f"generating about {events:,} events ({users:,} users x {SAMPLE_DAYS} days)...",
            file=sys.stderr,
            flush=True,
        )
        generate(
            gz_dir,
            users=users,
            days=SAMPLE_DAYS,
            seed=7,
            tenants=2,
            defects="none",
            workers=min(2, os.cpu_count() or 1),
        )
        lines = 0
        for source in sorted(gz_dir.rglob("*.jsonl.gz")):
            target = plain_dir / source.relative_to(gz_dir).with_suffix("")
            target.parent.mkdir(parents=True, exist_ok=True)
            data = gzip.decompress(source.read_bytes())
            target.write_bytes(data)
            lines += data.count(b"\n")
        marker.write_text(str(lines))
    return plain_dir, gz_dir, int(marker.read_text())


def _split_sample(cache: Path, events: int, plain_dir: Path) -> tuple[Path, Path, int]:
    """The sample without 1 % of its lines (base) and those lines (new); cached.

    The held-out lines are drawn (by a hash of the line) from the files of the newest days:
    at least HELD_OUT_DAYS of them, and as many more as it takes to hold three times the
    held-out share (a sample's last days can be thin: only late mobile files), so the new
    night brings about 1 % of the lines, events of days already loaded (late ones) among them.
    """
    root = cache / f"split-v2-{events}"
    base, new, marker = root / "base", root / "new", root / "held_out.txt"
    if marker.exists():
        return base, new, int(marker.read_text())
    shutil.rmtree(root, ignore_errors=True)
    files = sorted(plain_dir.rglob("*.jsonl"))
    lines_by_day: dict[str, int] = {}
    for path in files:
        lines_by_day[path.stem] = lines_by_day.get(path.stem, 0) + path.read_bytes().count(b"\n")
    total = sum(lines_by_day.values())
    recent: set[str] = set()
    recent_lines = 0
    for day in sorted(lines_by_day, reverse=True):
        if len(recent) >= HELD_OUT_DAYS and recent_lines >= 3 * total * HELD_OUT_SHARE:
            break
        recent.add(day)
        recent_lines += lines_by_day[day]
    # Hold out one line in `every` of the recent files to reach HELD_OUT_SHARE of all lines.
    every = max(1, round(recent_lines / max(1, total * HELD_OUT_SHARE)))
    held = 0
    for path in files:
        relative = path.relative_to(plain_dir)
        kept, out = [], []
        for line in path.read_bytes().splitlines(keepends=True):
            if path.stem in recent and zlib.crc32(line) % every == 0:
                out.append(line)
            else:
                kept.append(line)
        (base / relative).parent.mkdir(parents=True, exist_ok=True)
        (base / relative).write_bytes(b"".join(kept))
        if out:
            (new / relative).parent.mkdir(parents=True, exist_ok=True)
            (new / relative).write_bytes(b"".join(out))
            held += len(out)
    marker.write_text(str(held))
    return base, new, held


def _glob(folder: Path, pattern: str) -> list[str]:
    return [str(path) for path in sorted(folder.rglob(pattern))]


def _fresh(path: Path) -> Path:
    for leftover in (path, path.with_suffix(".duckdb.wal")):
        leftover.unlink(missing_ok=True)
    return path


def scan_lines(files: list[str]) -> int:
    """The floor S: every byte read and split into lines, nothing parsed."""
    con = duckdb.connect()
    try:
        return con.execute(
            "select count(*), sum(length(line)) from read_csv(?, columns = {'line': 'VARCHAR'},"
            " delim = '\x01', quote = '', escape = '', header = false, auto_detect = false)",
            [files],
        ).fetchone()[0]
    finally:
        con.close()


def bare_read_ndjson(files: list[str], db: Path) -> None:
    con = duckdb.connect(str(_fresh(db)))
    try:
        con.execute(
            "create table events as select * from read_ndjson(?, columns = "
            + "{"
            + ", ".join(f"'{k}': '{v}'" for k, v in BARE_COLUMNS.items())
            + "})",
            [files],
        )
    finally:
        con.close()


def ours_ingest(folder: Path, db: Path) -> None:
    from ingest.loader import ingest_paths

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ingest_paths([folder], _fresh(db))


# --- nightly as a child process -------------------------------------------------------------

# The base of the incremental night stands for the history a scheduled nightly has built up,
# one night's files at a time. Loaded in one ingest minutes before the night, all of it would
# fall within staging's lookback (`raw_watermark_lookback_minutes` before its newest row, for
# files committed out of order), and the night would re-stage the whole base. So each base
# row's load time is set to the night after it was received (03:00 UTC), at least a day
# before the actual load; rows without a receipt time (and tables without one) move back a day.
BASE_LOADS = "each base row loaded at 03:00 UTC the night after it was received"
NIGHTLY_LOAD_HOUR = "1 day 3 hours"
BASE_AGE = "1 day"


def _load_as_nightly(db: Path) -> str:
    """Set every base table's `_loaded_at` as if the base had been loaded night by night.

    The same expression of a row's own `received_at` and `_loaded_at` in every table, so a
    staged event keeps its raw line's load time, and `fct_events` its staged one.
    """
    con = duckdb.connect(str(db))
    try:
        con.execute("set TimeZone = 'UTC'")
        tables = con.execute(
            """
            select
                columns.table_schema,
                columns.table_name,
                bool_or(columns.column_name = 'received_at') as has_received_at
            from information_schema.columns as columns
            inner join information_schema.tables as tables
                using (table_catalog, table_schema, table_name)
            where
                columns.column_name in ('_loaded_at', 'received_at')
                and tables.table_type = 'BASE TABLE'
            group by all
            having bool_or(columns.column_name = '_loaded_at')
            """
        ).fetchall()
        aged = f"_loaded_at - interval '{BASE_AGE}'"
        for schema, table, has_received_at in tables:
            loaded = (
                f"coalesce(least({aged}, date_trunc('day', received_at) "
                f"+ interval '{NIGHTLY_LOAD_HOUR}'), {aged})"
                if has_received_at
                else aged
            )
            con.execute(f'update "{schema}"."{table}" set _loaded_at = {loaded}')
        for table in ("raw.files", "raw.ingest_runs"):
            con.execute(
                f"update {table} set started_at = started_at - interval '{BASE_AGE}', "
                f"finished_at = finished_at - interval '{BASE_AGE}'"
            )
    finally:
        con.close()
    return BASE_LOADS


def run_nightly_child(
    data: Path, db: Path, *, memory_limit: str | None = None, temp_dir: Path | None = None
) -> dict:
    """`signalhouse nightly` in a child process: seconds, exit code and peak RSS (bytes).

    With memory_limit, the child runs with `--memory-limit` and `--temp-directory`: every
    DuckDB connection of it (ours and dbt-duckdb's) has that memory_limit and temp_directory,
    so DuckDB spills instead of failing.
    """
    command = [sys.executable, "-m", "signalhouse.cli", "nightly", str(data), "--db", str(db)]
    command.append("--no-report")
    if memory_limit:
        command += ["--memory-limit", memory_limit, "--temp-directory", str(temp_dir)]
    env = {**os.environ, "SIGNALHOUSE_PII_KEY": os.environ.get("SIGNALHOUSE_PII_KEY", "bench")}
    log = db.parent / f"{db.stem}.nightly.log"
    started = time.perf_counter()
    with log.open("ab") as out:
        child = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
        _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode not in (0, 4):
        tail = log.read_text(errors="replace").splitlines()[-LOG_TAIL_LINES:]
        raise RuntimeError(
            f"the nightly on {data} failed with exit code {child.returncode}; the end of its "
            f"log ({log}, copied to the results directory as the bench stops):\n" + "\n".join(tail)
        )
    phases = _last_phases(db)
    return {
        "seconds": seconds,
        "exit_code": child.returncode,
        "published": child.returncode == 0,
        "peak_rss_bytes": child_peak_rss_bytes(usage.ru_maxrss, phases),
        **phases,
    }


def child_peak_rss_bytes(ru_maxrss: int, phases: dict) -> int:
    """The nightly child's peak RSS: the largest of its phases' own peaks where it measured
    them (Linux), else its `ru_maxrss` (KiB on Linux, bytes on macOS).

    The child's `ru_maxrss` alone overstates it: at exec, Linux folds the high-water mark of
    the memory the child was spawned from (this bench process's own peak, e.g. the pandas
    stage's frames) into the child's. A memory-limited 1M nightly whose phases peaked at
    1,695 MiB had an `ru_maxrss` of 5,642 MiB after the pandas stage. The phases span the
    whole run but the child's start-up (imports, below any phase's peak).
    """
    by_phase = phases["peak_rss_mib_by_phase"].values()
    if phases.get("peak_rss_per_phase") and by_phase:
        return max(by_phase) << 20
    return ru_maxrss if sys.platform == "darwin" else ru_maxrss * 1024


def _last_phases(db: Path) -> dict[str, dict]:
    """The wall-clock seconds per phase of the newest nightly on `db`, the child's peak RSS
    (MiB) within each phase, and whether those are each phase's own (its run manifest)."""
    manifests = sorted((db.parent / "runs").glob("*/manifest.json"))
    if not manifests:
        return {"phases": {}, "peak_rss_mib_by_phase": {}, "peak_rss_per_phase": False}
    manifest = json.loads(manifests[-1].read_text())
    return {
        "phases": manifest.get("phases") or {},
        "peak_rss_mib_by_phase": manifest.get("peak_rss_mib_by_phase") or {},
        "peak_rss_per_phase": bool(manifest.get("peak_rss_per_phase")),
    }


def dbt_model_timings(top: int = 10) -> list[dict]:
    """The slowest nodes of the last dbt command (target/run_results.json)."""
    from signalhouse.warehouse import PROJECT_DIR

    path = PROJECT_DIR / "target" / "run_results.json"
    if not path.exists():
        return []
    results = json.loads(path.read_text()).get("results", [])
    nodes = sorted(
        ({"node": r["unique_id"], "seconds": r.get("execution_time", 0.0)} for r in results),
        key=lambda node: -node["seconds"],
    )
    total = sum(node["seconds"] for node in nodes)
    tests = sum(node["seconds"] for node in nodes if node["node"].startswith("test."))
    return (
        [{"node": "(all nodes, summed)", "seconds": total}]
        + [{"node": "(tests, summed)", "seconds": tests}]
        + nodes[:top]
    )


# --- funnel: ours, ClickHouse windowFunnel, pandas --------------------------------------------

FUNNEL_EVENTS_SQL = """
select
    tenant_id,
    person_id,
    event_id,
    epoch_us(event_at) as event_us,
    event_type,
    event_name,
    view_name
from marts.fct_analytics_events
"""


def funnel_definition(con) -> dict:
    """The ordered funnel FUNNEL_ID from the seeds, as plain conditions."""
    mode, entry, window = con.execute(
        "select order_mode, entry_mode, conversion_window_seconds from staging.funnels"
        " where funnel_id = ?",
        [FUNNEL_ID],
    ).fetchone()
    steps = con.execute(
        "select step_index, step_source, event_name, property_name, max_seconds_from_previous"
        " from staging.funnel_steps where funnel_id = ? order by step_index",
        [FUNNEL_ID],
    ).fetchall()
    if mode != "ordered" or entry != "first" or any(s[3] or s[4] for s in steps):
        raise ValueError(
            f"the bench compares {FUNNEL_ID} as an ordered, first-entry funnel without property"
            " filters; update signalhouse/bench.py with the seeds"
        )
    return {
        "window_us": int(window) * 1_000_000,
        "steps": [{"source": source, "event_name": name} for _, source, name, _, _ in steps],
    }


def ours_funnel_counts(con) -> list[int]:
    """Persons per step of FUNNEL_ID in rpt_funnel_steps (breakdown 'all'), tenants summed."""
    return [
        row[0]
        for row in con.execute(
            "select sum(persons_completed)::bigint from marts.rpt_funnel_steps"
            " where funnel_id = ? and breakdown_type = 'all' group by step_index"
            " order by step_index",
            [FUNNEL_ID],
        ).fetchall()
    ]


def _ch_condition(step: dict, first_visit: bool) -> str:
    if step["source"] == "view":
        condition = "event_type in ('page', 'screen')"
        if step["event_name"]:
            condition += f" and view_name = '{step['event_name']}'"
    else:
        condition = f"event_type = 'track' and event_name = '{step['event_name']}'"
    return f"({condition}{' and event_us = first_us' if first_visit else ''})"


def chdb_funnel_counts(parquet: Path, definition: dict) -> list[int]:
    """windowFunnel over the same kept events; step 1 is the person's first step-1 event."""
    import chdb

    steps = definition["steps"]
    first = _ch_condition(steps[0], False)
    conditions = ", ".join(
        [_ch_condition(steps[0], True)] + [_ch_condition(step, False) for step in steps[1:]]
    )
    source = f"file('{parquet}', Parquet)"
    sql = f"""
        with firsts as (
            select tenant_id, person_id, min(event_us) as first_us
            from {source} where {first} group by tenant_id, person_id
        ),
        levels as (
            select windowFunnel({definition["window_us"]})(
                toUInt64(event_us), {conditions}) as level
            from {source} as e
            inner join firsts using (tenant_id, person_id)
            group by tenant_id, person_id
        )
        select {", ".join(f"countIf(level >= {k})" for k in range(1, len(steps) + 1))}
        from levels
    """
    row = chdb.query(sql, "CSV").data().strip().split(",")
    return [int(value) for value in row]


def pandas_funnel_counts(events, definition: dict) -> list[int]:
    """The ordered first-entry funnel in pandas: each step the earliest qualifying event."""
    keys = ["tenant_id", "person_id"]
    steps = definition["steps"]

    def matches(step: dict):
        if step["source"] == "view":
            mask = events["event_type"].isin(["page", "screen"])
            if step["event_name"]:
                mask &= events["view_name"] == step["event_name"]
        else:
            mask = (events["event_type"] == "track") & (events["event_name"] == step["event_name"])
        return events.loc[mask, [*keys, "event_us"]]

    reached = matches(steps[0]).groupby(keys, as_index=False)["event_us"].min()
    reached["start_us"] = reached["event_us"]
    counts = [len(reached)]
    for step in steps[1:]:
        candidates = reached.merge(matches(step), on=keys, suffixes=("_prev", ""))
        candidates = candidates[
            (candidates["event_us"] >= candidates["event_us_prev"])
            & (candidates["event_us"] <= candidates["start_us"] + definition["window_us"])
        ]
        reached = candidates.groupby([*keys, "start_us"], as_index=False)["event_us"].min()
        counts.append(len(reached))
    return counts


def pandas_pipeline(plain_dir: Path, definition: dict) -> dict:
    """What a user might write instead: read the files, dedup, sessionize, one funnel and
    weekly retention, all in pandas. Identity is the simple one (user id, else the user id
    last identified on the anonymous id, else the anonymous id); no bots or consent."""
    import pandas as pd

    frames = [
        pd.read_json(path, lines=True, dtype=False) for path in sorted(plain_dir.rglob("*.jsonl"))
    ]
    raw = pd.concat(frames, ignore_index=True)
    events = raw.drop_duplicates("messageId").copy()
    events["event_at"] = pd.to_datetime(events["timestamp"], utc=True, format="ISO8601")
    for column in ("userId", "event", "name"):
        if column not in events:
            events[column] = None
    known = events.dropna(subset=["userId"]).drop_duplicates("anonymousId", keep="last")
    anon_to_user = known.set_index("anonymousId")["userId"]
    events["person_id"] = (
        events["userId"]
        .fillna(events["anonymousId"].map(anon_to_user))
        .fillna(events["anonymousId"])
    )
    events["tenant_id"] = "all"
    events = events.sort_values(["person_id", "event_at"], kind="stable")
    gap = events.groupby("person_id")["event_at"].diff()
    events["session_number"] = (
        (gap.isna() | (gap > pd.Timedelta(minutes=30))).groupby(events["person_id"]).cumsum()
    )
    sessions = events.groupby(["person_id", "session_number"]).size()
    funnel_events = pd.DataFrame(
        {
            "tenant_id": events["tenant_id"],
            "person_id": events["person_id"],
            "event_us": events["event_at"].astype("int64") // 1_000,
            "event_type": events["type"],
            "event_name": events["event"],
            "view_name": events["name"],
        }
    )
    funnel = pandas_funnel_counts(funnel_events, definition)
    week = events["event_at"].dt.tz_localize(None).dt.to_period("W")
    cohort = week.groupby(events["person_id"]).transform("min")
    weeks_since = (week - cohort).apply(lambda offset: offset.n)
    retention = (
        pd.DataFrame({"cohort": cohort, "weeks": weeks_since, "person": events["person_id"]})
        .drop_duplicates()
        .pivot_table(index="cohort", columns="weeks", values="person", aggfunc="count")
    )
    return {
        "events": len(events),
        "sessions": len(sessions),
        "funnel": funnel,
        "retention_cohorts": len(retention),
    }


def _export_funnel_events(db: Path, parquet: Path) -> tuple[dict, list[int], object]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        definition = funnel_definition(con)
        ours = ours_funnel_counts(con)
        con.execute(f"copy ({FUNNEL_EVENTS_SQL}) to '{parquet}' (format parquet)")
        frame = con.execute(FUNNEL_EVENTS_SQL).df()
    finally:
        con.close()
    return definition, ours, frame


# --- the run --------------------------------------------------------------------------------


def _stage(name: str, stages: set[str], report: Callable[[], None]) -> bool:
    if name in stages:
        report()
        print(f"  stage {name}...", file=sys.stderr, flush=True)
        return True
    return False


def bench_size(
    events: int,
    *,
    repeat: int,
    heavy_repeat: int,
    stages: set[str],
    cache: Path,
    work: Path,
    progress: Callable[[dict], None] = lambda measured: None,
) -> dict:
    """Every selected stage on one sample size; figures in seconds with their runs.

    Stages run cheapest-to-compare first (the full nightly, whose warehouse the funnel
    comparisons read, then ingest, memory, incremental); `progress` gets the figures so far
    after each stage, so an interrupted run still leaves its finished stages on disk."""
    plain_dir, gz_dir, lines = _sample(cache, events)
    plain_files = _glob(plain_dir, "*.jsonl")
    gz_files = _glob(gz_dir, "*.jsonl.gz")
    figures: dict[str, Timings] = {}
    extra: dict = {"lines": lines, "files": len(plain_files)}

    def report() -> None:
        progress({"figures": figures, "extra": extra})

    def measure(name: str, action: Callable[[], object], runs: int) -> object:
        timings = figures.setdefault(name, Timings())
        value = None
        for _ in range(runs):
            value = timings.time(action)
        return value

    # S is always measured: every figure is also printed as a multiple of it.
    measure("S: plain lines scan", lambda: scan_lines(plain_files), repeat)
    full_db = work / "full" / "warehouse.duckdb"
    if stages & {"nightly", "memory", "chdb", "pandas"}:
        _stage("nightly", stages | {"nightly"}, report)
        runs = heavy_repeat if "nightly" in stages else 1
        rss = []
        for _ in range(runs):
            shutil.rmtree(full_db.parent, ignore_errors=True)
            full_db.parent.mkdir(parents=True)
            outcome = run_nightly_child(gz_dir, full_db)
            figures.setdefault(NIGHTLY, Timings()).runs.append(outcome["seconds"])
            rss.append(outcome["peak_rss_bytes"])
            extra["nightly published"] = outcome["published"]
        extra["nightly peak RSS bytes, unlimited"] = max(rss)
        _record_night(extra, "last full nightly", outcome)
        extra["dbt slowest nodes (last full nightly)"] = dbt_model_timings()

    funnel: dict = {}
    if stages & {"chdb", "pandas"} and full_db.exists():
        parquet = work / "funnel_events.parquet"
        definition, funnel["ours"], frame = _export_funnel_events(full_db, parquet)
        funnel["pandas (same kept events)"] = pandas_funnel_counts(frame, definition)
        if _stage("chdb", stages, report):
            funnel["chdb windowFunnel"] = measure(
                "funnel: chDB windowFunnel (one funnel, kept events from Parquet)",
                lambda: chdb_funnel_counts(parquet, definition),
                repeat,
            )
            from signalhouse.dbt import run_dbt

            copy = work / "funnel" / "warehouse.duckdb"
            copy.parent.mkdir(parents=True, exist_ok=True)

            def ours_funnel() -> None:
                shutil.copyfile(full_db, copy)
                outcome = run_dbt(
                    [
                        "run",
                        "--select",
                        "fct_funnel_step_events",
                        "fct_funnel_attempts",
                        "fct_funnel_progress",
                        "rpt_funnel_steps",
                    ],
                    copy,
                )
                if not outcome.success:
                    raise RuntimeError(f"dbt run of the funnel models failed: {outcome}")

            measure(
                "funnel: ours (4 funnel models, all 6 funnels, breakdowns)", ours_funnel, repeat
            )
            shutil.rmtree(copy.parent, ignore_errors=True)
        if _stage("pandas", stages, report):
            result = measure(
                "pandas: read + dedup + sessions + funnel + retention",
                lambda: pandas_pipeline(plain_dir, definition),
                heavy_repeat,
            )
            funnel["pandas pipeline (own identity, no bot/consent filter)"] = result["funnel"]
            extra["pandas pipeline"] = result
        parquet.unlink(missing_ok=True)
    shutil.rmtree(full_db.parent, ignore_errors=True)
    if funnel:
        extra["funnel counts per step"] = funnel
    if _stage("ingest", stages, report):
        measure(
            "ingest: bare read_ndjson, plain",
            lambda: bare_read_ndjson(plain_files, work / "bare.duckdb"),
            repeat,
        )
        measure("ingest: ours, plain", lambda: ours_ingest(plain_dir, work / "ours.duckdb"), repeat)
        measure(
            "ingest: bare read_ndjson, gzip",
            lambda: bare_read_ndjson(gz_files, work / "bare.duckdb"),
            repeat,
        )
        measure("ingest: ours, gzip", lambda: ours_ingest(gz_dir, work / "ours.duckdb"), repeat)

    if _stage("memory", stages, report):
        limited_db = work / "limited" / "warehouse.duckdb"
        rss = []
        for _ in range(heavy_repeat):
            shutil.rmtree(limited_db.parent, ignore_errors=True)
            (limited_db.parent / "spill").mkdir(parents=True)
            outcome = run_nightly_child(
                gz_dir, limited_db, memory_limit=MEMORY_LIMIT, temp_dir=limited_db.parent / "spill"
            )
            figures.setdefault(
                f"nightly: memory_limit {MEMORY_LIMIT} + temp_directory", Timings()
            ).runs.append(outcome["seconds"])
            rss.append(outcome["peak_rss_bytes"])
        extra["nightly peak RSS bytes, limited"] = max(rss)
        _record_night(extra, "last limited nightly", outcome)
        shutil.rmtree(limited_db.parent, ignore_errors=True)

    if _stage("incremental", stages, report):
        base_dir, new_dir, held = _split_sample(cache, events, plain_dir)
        extra["incremental new lines"] = held
        base_db = work / "base" / "warehouse.duckdb"
        shutil.rmtree(base_db.parent, ignore_errors=True)
        base_db.parent.mkdir(parents=True)
        outcome = run_nightly_child(base_dir, base_db)
        figures.setdefault("nightly: full on 99 % (base of incremental)", Timings()).runs.append(
            outcome["seconds"]
        )
        extra["incremental base loads"] = _load_as_nightly(base_db)
        # The next night runs on the same warehouse path, as a scheduled nightly does, so
        # dbt's partial parse holds (a new path changes the profile and forces a full
        # parse, ~11 s); each further repeat starts again from a kept copy of the base. One
        # night keeps no copy: a 10M base is ~20 GB, and the night's work copy another.
        kept_db = work / "base-kept" / "warehouse.duckdb"
        shutil.rmtree(kept_db.parent, ignore_errors=True)
        if heavy_repeat > 1:
            kept_db.parent.mkdir(parents=True)
            shutil.copyfile(base_db, kept_db)
        for night in range(heavy_repeat):
            if night:
                shutil.copyfile(kept_db, base_db)
            outcome = run_nightly_child(new_dir, base_db)
            figures.setdefault("nightly: incremental, +1 % (some late)", Timings()).runs.append(
                outcome["seconds"]
            )
        extra["incremental published"] = outcome["published"]
        _record_night(extra, "last incremental night", outcome)
        extra["dbt slowest nodes (last incremental night)"] = dbt_model_timings()
        shutil.rmtree(base_db.parent, ignore_errors=True)
        shutil.rmtree(kept_db.parent, ignore_errors=True)

    return {"figures": figures, "extra": extra}


def _ratios(figures: dict[str, Timings], extra: dict) -> dict[str, float]:
    def seconds(name: str) -> float | None:
        timings = figures.get(name)
        return timings.median if timings and timings.runs else None

    ratios: dict[str, float] = {}

    def ratio(name: str, top: float | None, bottom: float | None) -> None:
        if top is not None and bottom:
            ratios[name] = top / bottom

    s = seconds("S: plain lines scan")
    nightly = seconds(NIGHTLY)
    ratio(
        "ours / bare, plain",
        seconds("ingest: ours, plain"),
        seconds("ingest: bare read_ndjson, plain"),
    )
    ratio(
        "ours / bare, gzip",
        seconds("ingest: ours, gzip"),
        seconds("ingest: bare read_ndjson, gzip"),
    )
    ratio("ours gzip / ours plain", seconds("ingest: ours, gzip"), seconds("ingest: ours, plain"))
    ratio("nightly x S", nightly, s)
    limited = next((name for name in figures if name.startswith("nightly: memory_limit")), None)
    if limited:
        ratio("limited / unlimited time", seconds(limited), nightly)
        ratios["peak RSS GiB, limited"] = extra["nightly peak RSS bytes, limited"] / 2**30
    if "nightly peak RSS bytes, unlimited" in extra:
        ratios["peak RSS GiB, unlimited"] = extra["nightly peak RSS bytes, unlimited"] / 2**30
    ratio(
        "incremental / full",
        seconds("nightly: incremental, +1 % (some late)"),
        seconds("nightly: full on 99 % (base of incremental)"),
    )
    pandas = next((name for name in figures if name.startswith("pandas:")), None)
    if pandas:
        ratio("pandas / ours", seconds(pandas), nightly)
    chdb = next((name for name in figures if name.startswith("funnel: chDB")), None)
    ours_funnel = next((name for name in figures if name.startswith("funnel: ours")), None)
    if chdb and ours_funnel:
        ratio("chdb / ours funnel", seconds(chdb), seconds(ours_funnel))
    return ratios


NIGHTS = ("last full nightly", "last limited nightly", "last incremental night")


def _record_night(extra: dict, night: str, outcome: dict) -> None:
    """Keep a nightly's phase seconds and per-phase peak RSS under its name in NIGHTS."""
    extra[f"nightly phases ({night})"] = outcome["phases"]
    extra[f"peak RSS MiB by phase ({night})"] = outcome["peak_rss_mib_by_phase"]


def _print_size(label: str, measured: dict, ratios: dict, repeat: int) -> None:
    figures, extra = measured["figures"], measured["extra"]
    s = figures["S: plain lines scan"].median
    lines = extra["lines"]
    width = max(len(name) for name in [*figures, *ratios, "figure"])
    print()
    print(f"size {label}: {lines:,} lines in {extra['files']} files")
    print(f"{'figure':<{width}}  {'seconds':>8}  {'x S':>7}  {'n':>2}  {'lines/s':>10}")
    for name, timings in figures.items():
        print(
            f"{name:<{width}}  {timings.median:8.2f}  {timings.median / s:7.1f}  "
            f"{len(timings.runs):>2}  {lines / timings.median:10,.0f}"
        )
    for name, value in ratios.items():
        goal = GOALS.get(name)
        if goal is None:
            verdict = ""
        elif name in AT_LEAST:
            verdict = f"  (goal >= {goal}: {'met' if value >= goal else 'NOT met'})"
        else:
            verdict = f"  (goal <= {goal}: {'met' if value <= goal else 'NOT met'})"
        print(f"{name:<{width}}  {value:8.2f}{verdict}")
    for name, counts in (extra.get("funnel counts per step") or {}).items():
        print(f"funnel {FUNNEL_ID} persons per step, {name}: {counts}")
    for night in NIGHTS:
        phases = extra.get(f"nightly phases ({night})") or {}
        if phases:
            print(
                f"phases of the {night} (wall seconds): "
                + ", ".join(f"{name} {seconds:.1f}" for name, seconds in phases.items())
            )
        peaks = extra.get(f"peak RSS MiB by phase ({night})") or {}
        if peaks:
            print(
                f"peak RSS within each phase of the {night} (MiB): "
                + ", ".join(f"{name} {mib:,}" for name, mib in peaks.items())
            )
    for night in NIGHTS:
        slow = extra.get(f"dbt slowest nodes ({night})") or []
        if slow:
            print(f"dbt slowest nodes of the {night} (execution_time, seconds):")
            for node in slow:
                print(f"  {node['seconds']:8.2f}  {node['node']}")


def run_bench(
    *,
    sizes: list[int],
    repeat: int,
    heavy_repeat: int | None,
    stages: list[str],
    cache: Path,
    results_dir: Path = RESULTS_DIR,
) -> dict:
    """Measure every selected stage on every size in one run; print and save as JSON."""
    unknown = set(stages) - set(STAGES)
    if unknown:
        raise ValueError(f"unknown stage(s) {sorted(unknown)}: choose from {', '.join(STAGES)}")
    heavy_repeat = heavy_repeat or repeat
    load = os.getloadavg()
    result: dict = {
        "benchmark": "signalhouse",
        "signalhouse": __version__,
        "duckdb": duckdb.__version__,
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "load_average_at_start": load,
        "repeat": repeat,
        "heavy_repeat": heavy_repeat,
        "stages": list(stages),
        "machine_note": (
            "figures measured in one run on this machine; ratios within a run matter, absolute"
            " seconds depend on the load (load average at start recorded)"
        ),
        "caches": (
            "samples generated once and cached under the cache folder; the OS page cache is"
            " warm after the first run; every warehouse is built from empty (nightly, memory)"
            " or from a copy of the base (incremental); dbt runs in a fresh child process"
        ),
        "goals": GOALS,
        "sizes": {},
        # False until every size and stage has finished (the file is rewritten per stage).
        "complete": False,
    }
    # Warehouses are built beside the cached samples (git-ignored), not in the system temp.
    cache.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="work-", dir=cache))
    print(
        f"signalhouse bench: sizes {', '.join(size_label(n) for n in sizes)}; repeat {repeat}"
        f" (nightly stages {heavy_repeat}); load average {load[0]:.2f} on {os.cpu_count()} CPUs"
    )
    results_dir.mkdir(parents=True, exist_ok=True)
    out = results_dir / f"bench-{datetime.now(UTC):%Y%m%dT%H%M%SZ}.json"

    def record(label: str, measured: dict) -> dict:
        figures = {name: t for name, t in measured["figures"].items() if t.runs}
        floor = figures["S: plain lines scan"].median
        ratios = _ratios(figures, measured["extra"])
        result["sizes"][label] = {
            **measured["extra"],
            "seconds": {name: t.median for name, t in figures.items()},
            "runs": {name: t.runs for name, t in figures.items()},
            "x_S": {name: t.median / floor for name, t in figures.items()},
            "ratios": ratios,
        }
        out.write_text(json.dumps(result, indent=2, default=str))
        return ratios

    try:
        for events in sizes:
            label = size_label(events)
            print(f"size {label}...", file=sys.stderr, flush=True)
            measured = bench_size(
                events,
                repeat=repeat,
                heavy_repeat=heavy_repeat,
                stages=set(stages),
                cache=cache,
                work=work,
                progress=lambda measured, label=label: record(label, measured),
            )
            ratios = record(label, measured)
            _print_size(label, measured, ratios, repeat)
    except BaseException as exc:
        # The work directory goes below: keep the nightly logs that say what went wrong.
        kept = []
        for log in sorted(work.rglob("*.nightly.log")):
            kept.append(results_dir / f"{out.stem}-{log.parent.name}.nightly.log")
            shutil.copyfile(log, kept[-1])
        if kept:
            exc.add_note("nightly logs kept: " + ", ".join(str(path) for path in kept))
        raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    labels = list(result["sizes"])
    if len(labels) >= 2:
        small, large = result["sizes"][labels[0]], result["sizes"][labels[-1]]
        data_growth = large["lines"] / small["lines"]
        growth = {
            name: large["seconds"][name] / small["seconds"][name]
            for name in large["seconds"]
            if small["seconds"].get(name)
        }
        result["growth"] = {
            "from": labels[0],
            "to": labels[-1],
            "data": data_growth,
            "seconds": growth,
        }
        print()
        print(
            f"growth {labels[0]} -> {labels[-1]} ({data_growth:.1f}x the lines;"
            f" goal: no figure worse than {GOALS['growth']}x for 10x the data)"
        )
        for name, value in growth.items():
            print(f"  {value:6.1f}x  {name}")
    result["complete"] = True
    out.write_text(json.dumps(result, indent=2, default=str))
    print(f"\nwritten to {out}")
    result["path"] = str(out)
    return result
