"""The benchmark harness runs end to end on a tiny sample, so it cannot rot.

Nothing here is timed: the test checks that every stage produced its figures and that our
funnel, ClickHouse's windowFunnel (chDB) and the pandas funnel count the same persons per
step on the same kept events. Speed is measured by `signalhouse bench` only.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from signalhouse.bench import NIGHTLY, parse_size, run_bench, run_nightly_child

pytest.importorskip("chdb", reason="the bench extra is not installed: pip install -e '.[bench]'")

# The memory-limited and incremental stages run three more nightlies (minutes each even at
# 2k events): `make test` leaves them to `signalhouse bench`; the stages here cover the
# figures every other stage and the funnel comparisons need.
TESTED_STAGES = ["scan", "ingest", "nightly", "pandas", "chdb"]
EXPECTED_FIGURES = [
    "S: plain lines scan",
    "ingest: bare read_ndjson, plain",
    "ingest: ours, plain",
    "ingest: bare read_ndjson, gzip",
    "ingest: ours, gzip",
    NIGHTLY,
    "pandas: read + dedup + sessions + funnel + retention",
]
EXPECTED_RATIOS = [
    "ours / bare, plain",
    "ours gzip / ours plain",
    "nightly x S",
    "pandas / ours",
    "chdb / ours funnel",
]


def test_parse_size():
    assert [parse_size(text) for text in ("2k", "1m", "10M", "1.5m", "500")] == [
        2_000,
        1_000_000,
        10_000_000,
        1_500_000,
        500,
    ]
    with pytest.raises(ValueError, match="not a number"):
        parse_size("lots")


def _raise_own_peak_rss(mib: int) -> None:
    """Touch `mib` MiB and free them: this process's RSS high-water mark is at least that."""
    block = bytearray(mib << 20)
    for page in range(0, len(block), 4096):
        block[page] = 1
    del block


@pytest.mark.skipif(sys.platform != "linux", reason="how Linux accounts a child's ru_maxrss")
def test_a_childs_ru_maxrss_includes_the_peak_of_the_process_that_spawned_it():
    """Why the bench takes the nightly's peak from its phases, not from wait4's ru_maxrss."""
    _raise_own_peak_rss(512)
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    _, _, usage = os.wait4(child.pid, 0)
    assert usage.ru_maxrss >= 512 * 1024


@pytest.mark.slow
def test_bench_runs_every_stage_and_funnels_agree(tmp_path):
    # The nightly child's peak must be its own, whatever this process's was.
    _raise_own_peak_rss(1024)
    result = run_bench(
        sizes=[2_000],
        repeat=1,
        heavy_repeat=1,
        stages=TESTED_STAGES,
        cache=tmp_path / "data",
        results_dir=tmp_path / "results",
    )
    saved = json.loads((tmp_path / "results").joinpath(result["path"].split("/")[-1]).read_text())
    size = saved["sizes"]["2k"]
    assert size["lines"] > 1_000
    for name in EXPECTED_FIGURES:
        assert size["runs"][name] and len(size["runs"][name]) == 1, name
    assert any(name.startswith("funnel: chDB") for name in size["runs"])
    assert any(name.startswith("funnel: ours") for name in size["runs"])
    for name in EXPECTED_RATIOS:
        assert name in size["ratios"], name
    assert size["nightly published"]
    # Where the night's time and memory went: each phase's seconds and the child's peak RSS
    # within it (the run's peak is the largest), and the slowest dbt nodes.
    phases = size["nightly phases (last full nightly)"]
    peaks = size["peak RSS MiB by phase (last full nightly)"]
    assert list(peaks) == list(phases) and "dbt build" in phases
    assert min(peaks.values()) > 0
    assert size["nightly peak RSS bytes, unlimited"] == max(peaks.values()) << 20
    slow = size["dbt slowest nodes (last full nightly)"]
    assert slow[0]["node"] == "(all nodes, summed)" and slow[0]["seconds"] > 0

    counts = size["funnel counts per step"]
    ours = counts["ours"]
    assert len(ours) == 4 and ours[0] > 0
    assert ours == sorted(ours, reverse=True)
    assert counts["chdb windowFunnel"] == ours
    assert counts["pandas (same kept events)"] == ours


def test_the_incremental_split_holds_out_one_percent_even_when_the_last_days_are_thin(tmp_path):
    from signalhouse.bench import _split_sample

    plain = tmp_path / "plain" / "tenant=acme" / "web"
    plain.mkdir(parents=True)
    days = [f"2026-10-{day:02d}" for day in range(1, 31)]
    for index, day in enumerate(days):
        # The last three days hold only a few late lines, as a simulated sample's can.
        count = 2 if index >= 27 else 200
        (plain / f"{day}.jsonl").write_bytes(
            b"".join(f'{{"day":"{day}","n":{n}}}\n'.encode() for n in range(count))
        )
    total = 27 * 200 + 3 * 2
    base, new, held = _split_sample(tmp_path / "cache", total, tmp_path / "plain")

    def lines(folder):
        return sorted(
            line for path in folder.rglob("*.jsonl") for line in path.read_bytes().splitlines()
        )

    originals = lines(tmp_path / "plain")
    assert lines(base) + lines(new) != [] and sorted(lines(base) + lines(new)) == originals
    assert held == len(lines(new))
    # About 1 % (the hash draws one line in `every` of the newest days), not just the 6
    # lines of the three thin days.
    assert 0.6 * total / 100 <= held <= 1.6 * total / 100
    held_days = {path.stem for path in new.rglob("*.jsonl")}
    # Drawn from the newest days only: the three thin ones and the full day before them.
    assert days[-4] in held_days and held_days <= set(days[-4:])


def test_a_failed_nightly_says_why_in_the_bench_error(tmp_path):
    """The bench removes its work directory as it stops: the error itself must carry the
    end of the nightly's log, not only point at a file about to go."""
    empty = tmp_path / "no-input"
    empty.mkdir()
    (tmp_path / "w").mkdir()
    with pytest.raises(RuntimeError, match="exit code 2") as failure:
        run_nightly_child(empty, tmp_path / "w" / "warehouse.duckdb")
    assert "no input files found" in str(failure.value)


def test_the_incremental_base_looks_loaded_night_by_night(tmp_path):
    """Each row is loaded the night after its receipt, the same in every table, so staging's
    lookback before its newest row holds the last night only, not the whole base."""
    import duckdb

    from signalhouse.bench import _load_as_nightly

    db = tmp_path / "w.duckdb"
    con = duckdb.connect(str(db))
    con.execute("set TimeZone = 'UTC'")
    con.execute("create schema raw; create schema staging")
    loaded = "timestamptz '2026-11-24 01:00:00+00'"
    for table in ("raw.events", "staging.stg_segment__events"):
        con.execute(
            f"""
            create table {table} as
            select * from (values
                ('e1', timestamptz '2026-10-12 10:00:00+00', {loaded}),
                ('e2', timestamptz '2026-11-13 23:59:00+00', {loaded}),
                ('e3', null, {loaded}),
                ('e4', timestamptz '2026-11-23 20:00:00+00', {loaded})
            ) as rows (event_id, received_at, _loaded_at)
            """
        )
    con.execute(f"create table raw.quarantine as select 'q1' as line, {loaded} as _loaded_at")
    for table in ("raw.files", "raw.ingest_runs"):
        con.execute(
            f"create table {table} as select {loaded} as started_at, {loaded} as finished_at"
        )
    con.close()

    assert "night after it was received" in _load_as_nightly(db)

    con = duckdb.connect(str(db), read_only=True)
    con.execute("set TimeZone = 'UTC'")
    expected = [
        ("e1", "2026-10-13 03:00:00"),
        ("e2", "2026-11-14 03:00:00"),
        # No receipt time, or received too recently for the night after: a day back.
        ("e3", "2026-11-23 01:00:00"),
        ("e4", "2026-11-23 01:00:00"),
    ]
    for table in ("raw.events", "staging.stg_segment__events"):
        rows = con.execute(
            f"select event_id, strftime(_loaded_at, '%Y-%m-%d %H:%M:%S') from {table} order by 1"
        ).fetchall()
        assert rows == expected
    for sql in (
        "select _loaded_at from raw.quarantine",
        "select started_at from raw.files",
        "select finished_at from raw.ingest_runs",
    ):
        assert str(con.execute(sql).fetchone()[0]) == "2026-11-23 01:00:00+00:00"
    con.close()
