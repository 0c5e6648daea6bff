"""The session truth is what a 30-minute inactivity rule recovers from the files."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from sim_testlib import classify, read_lines

from signalhouse.simulator import generate

CLIENT = ("web", "ios", "android")


def _parse(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def _sessionize(out: Path, truth: dict) -> tuple[dict, int]:
    result = {}
    edges = 0
    for tenant, t in truth["tenants"].items():
        tz = ZoneInfo(t["time_zone"])
        by_anon = defaultdict(set)
        by_user = {}
        for p in t["persons"]:
            for a in p["anonymous_ids"]:
                by_anon[a].add(p["person_key"])
            if p["user_id"]:
                by_user[p["user_id"]] = p["person_key"]
        events = defaultdict(list)
        for rel, f in truth["files"].items():
            if f["tenant"] != tenant or f["source"] not in CLIENT:
                continue
            lines, _ = read_lines(out / rel)
            for raw in lines:
                kind, obj = classify(raw)
                if kind != "valid" or obj.get("properties", {}).get("is_background"):
                    continue
                owners = by_anon.get(obj.get("anonymousId"), set())
                if len(owners) == 1:
                    person = next(iter(owners))
                elif obj.get("userId") in by_user:
                    person = by_user[obj["userId"]]
                else:
                    continue  # a bot
                events[person].append((_parse(obj["timestamp"]), f["source"]))
        counts: Counter = Counter()
        for evs in events.values():
            evs.sort()
            prev = None
            for ts, source in evs:
                gap = None if prev is None else ts - prev
                if gap == timedelta(minutes=30):
                    edges += 1
                if gap is None or gap > timedelta(minutes=30):
                    counts[(source, ts.astimezone(tz).date().isoformat())] += 1
                prev = ts
        nested: dict = {}
        for (platform, day), n in sorted(counts.items()):
            nested.setdefault(platform, {})[day] = n
        result[tenant] = nested
    return result, edges


def test_thirty_minute_rule_recovers_sessions(clean_run: tuple[Path, dict]) -> None:
    out, truth = clean_run
    recovered, edges = _sessionize(out, truth)
    assert recovered == truth["sessions"]["by_tenant"]
    assert edges == len(truth["sessions"]["exact_30_minute_gaps"])


def test_sessions_across_both_dst_changes(tmp_path: Path) -> None:
    """The default window spans the EU (Oct 25) and US (Nov 1) DST changes."""
    generate(tmp_path, users=60, days=30, seed=3, defects="none")
    import json

    truth = json.loads((tmp_path / "truth.json").read_text())
    recovered, edges = _sessionize(tmp_path, truth)
    assert recovered == truth["sessions"]["by_tenant"]
    days = {d for t in recovered.values() for p in t.values() for d in p}
    assert {"2026-10-25", "2026-11-01"} <= days
