"""Orchestrate a run: split persons into fixed units, simulate each unit (optionally in worker
processes), write gzip members in a fixed order, then apply the run-level defects (one
oversized line, one truncated archive) and write ``truth.json``.

The unit split depends only on the run arguments, never on ``workers``, so the output bytes
are the same whatever the number of workers.
"""

from __future__ import annotations

import gzip
import json
import multiprocessing
import shutil
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from signalhouse.simulator.defects import (
    CODE_BLANK,
    CODE_KIND,
    CODE_VALID,
    KIND_CODE,
    build_parts,
    encode_part,
    message_id_of,
    rel_path,
)
from signalhouse.simulator.envelope import SOURCE_NAMES, dumps, finish_line, new_uuid
from signalhouse.simulator.persons import ChunkOut, PersonSim, simulate_bots
from signalhouse.simulator.truth import TruthBuilder, dump_truth
from signalhouse.simulator.world import (
    DAY_MS,
    HOUR_MS,
    PERSONS_PER_CHUNK,
    RunConfig,
    make_rng,
    tenant_world,
)

GENERATOR_VERSION = "1.0.0"
COMPRESS_LEVEL = 4
TRUNCATE_AT = 0.6
OVERSIZED_BYTES = 1_150_000
TRUTH_FILE = "truth.json"


@dataclass
class GenerateResult:
    files: list[Path]
    events: int  # lines written, all files, including defective and blank lines
    seconds: float
    events_per_second: float
    truth_path: Path


def _gzip_member(data: bytes) -> bytes:
    """One gzip member: mtime 0, no file name, so equal input gives equal bytes."""
    c = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, 31)
    return c.compress(data) + c.flush()


def run_unit(cfg: RunConfig, tenant_index: int, unit: int) -> dict[str, Any]:
    """Simulate one unit (a block of persons, or the tenant's bots) and build its parts."""
    w = tenant_world(cfg, tenant_index)
    out = ChunkOut()
    if unit < w.n_chunks:
        lo = unit * PERSONS_PER_CHUNK
        for i in range(lo, min(w.persons, lo + PERSONS_PER_CHUNK)):
            PersonSim(w, i, out).run()
    else:
        simulate_bots(w, out)
    n_records = len(out.records)
    collisions: list[dict] = []
    parts = build_parts(out.records, cfg, tenant_index, w.tenant, unit, collisions)
    out.records = []
    members = {rel: _gzip_member(encode_part(p)) for rel, p in parts.items()}
    for p in parts.values():
        p.lines = []
    frag = {
        "persons": out.persons,
        "shared": out.shared,
        "bots": out.bots,
        "sessions": out.sessions,
        "sessions_after_opt_out": out.sessions_after_opt_out,
        "bot_sessions": out.bot_sessions,
        "edge_gaps": out.edge_gaps,
        "counts": out.counts,
        "revenue": out.revenue,
        "funnels": out.funnels,
        "exp_assigned": out.exp_assigned,
        "exp_converted": out.exp_converted,
        "records": n_records,
        "collisions": collisions,
    }
    return {"tenant": w.tenant, "parts": parts, "members": members, "truth": frag}


def _run_unit_args(args: tuple[RunConfig, int, int]) -> dict[str, Any]:
    return run_unit(*args)


def _units(cfg: RunConfig) -> list[tuple[RunConfig, int, int]]:
    units = []
    for ti in range(cfg.tenants):
        w = tenant_world(cfg, ti)
        n = w.n_chunks + (1 if cfg.defects and w.persons else 0)
        units.extend((cfg, ti, u) for u in range(n))
    return units


def _results(units: list, workers: int) -> Iterator[dict[str, Any]]:
    if workers <= 1 or len(units) <= 1:
        for u in units:
            yield _run_unit_args(u)
        return
    methods = multiprocessing.get_all_start_methods()
    ctx = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ctx.Pool(processes=workers) as pool:
        yield from pool.imap(_run_unit_args, units, chunksize=1)


def _clear(out_dir: Path) -> None:
    """Remove a previous run's output (only ``tenant=*`` folders and truth.json)."""
    for p in sorted(out_dir.glob("tenant=*")):
        if p.is_dir():
            shutil.rmtree(p)
    (out_dir / TRUTH_FILE).unlink(missing_ok=True)


def _oversized_line(cfg: RunConfig, tenant: str, day: int) -> str:
    rng = make_rng(cfg.seed, tenant, "oversized")
    t = day * DAY_MS + 12 * HOUR_MS + rng.randint(0, HOUR_MS)
    head = {
        "type": "track",
        "messageId": new_uuid(rng),
        "userId": f"u_{rng.getrandbits(48):012x}",
        "event": "Feature Used",
        "properties": {"feature_name": "bulk_import", "payload": "x" * OVERSIZED_BYTES},
    }
    ctx = dumps({"library": {"name": "analytics-node", "version": "2.1.2"}, "groupId": tenant})
    return finish_line(head, ctx, t + 40, t, t + 1_000, t + 1_040)


def _truncate(path: Path, codes: bytes) -> dict[str, Any]:
    """Rewrite ``path`` as one gzip member cut at TRUNCATE_AT of its bytes; report what a
    reader can still recover (complete lines before the cut)."""
    data = gzip.decompress(path.read_bytes())
    full = _gzip_member(data)
    cut = full[: int(len(full) * TRUNCATE_AT)]
    path.write_bytes(cut)
    d = zlib.decompressobj(31)
    try:
        recovered = d.decompress(cut)
    except zlib.error:  # pragma: no cover - zlib returns what it can for a cut stream
        recovered = b""
    lines_intact = recovered.count(b"\n")
    partial = len(recovered) > (recovered.rfind(b"\n") + 1)
    lines = data.split(b"\n")[:-1]
    intact_codes = codes[:lines_intact]
    defects = Counter(CODE_KIND[c] for c in intact_codes if c > CODE_BLANK)
    intact_ids = set()
    for line, code in zip(lines[:lines_intact], intact_codes, strict=True):
        if code == CODE_VALID:
            intact_ids.add(message_id_of(line.decode()))
    lost_ids: set[str] = set()
    lost_valid = 0
    by_event: Counter = Counter()
    for line, code in zip(lines[lines_intact:], codes[lines_intact:], strict=True):
        if code == CODE_VALID:
            lost_valid += 1
            mid = message_id_of(line.decode())
            if mid not in intact_ids and mid not in lost_ids:
                lost_ids.add(mid)
                obj = json.loads(line)
                by_event[obj.get("event") or obj["type"]] += 1
    return {
        "compressed_bytes_full": len(full),
        "compressed_bytes_written": len(cut),
        "lines_intact": lines_intact,
        "partial_line": partial,
        "valid_lines_intact": sum(1 for c in intact_codes if c == CODE_VALID),
        "blank_lines_intact": sum(1 for c in intact_codes if c == CODE_BLANK),
        "defects_intact": dict(defects),
        "lost": {
            "valid_lines": lost_valid,
            "distinct_messages": len(lost_ids),
            "by_event": dict(sorted(by_event.items())),
        },
    }


def generate(
    out_dir: Path,
    *,
    users: int,
    days: int,
    seed: int,
    tenants: int = 2,
    defects: str = "default",
    start_date: date = date(2026, 10, 12),
    progress: Callable[[int, int], None] | None = None,
    workers: int = 1,
) -> GenerateResult:
    """Write SDK export files and ``truth.json`` under ``out_dir``; see the package docs."""
    if defects not in ("none", "default"):
        raise ValueError(f"defects must be 'none' or 'default', got {defects!r}")
    if users < 1 or days < 1 or tenants < 1:
        raise ValueError("users, days and tenants must be >= 1")
    started = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    _clear(out_dir)
    cfg = RunConfig(
        seed=seed,
        users=users,
        days=days,
        tenants=tenants,
        defects=defects == "default",
        start_date=start_date,
    )
    worlds = [tenant_world(cfg, i) for i in range(tenants)]
    generator = {
        "name": "signalhouse.simulator",
        "version": GENERATOR_VERSION,
        "arguments": {
            "users": users,
            "days": days,
            "seed": seed,
            "tenants": tenants,
            "defects": defects,
            "start_date": start_date.isoformat(),
        },
        "start_date": start_date.isoformat(),
        "end_date": (start_date + timedelta(days=days - 1)).isoformat(),
        "window_utc": [
            f"{start_date.isoformat()}T00:00:00.000Z",
            f"{(start_date + timedelta(days=days)).isoformat()}T00:00:00.000Z",
        ],
    }
    truth = TruthBuilder(generator, worlds)
    codes: dict[str, bytearray] = {}
    units = _units(cfg)
    for done, res in enumerate(_results(units, workers), start=1):
        tenant = res["tenant"]
        for rel, member in res["members"].items():
            path = out_dir / rel
            if rel not in codes:
                path.parent.mkdir(parents=True, exist_ok=True)
                codes[rel] = bytearray()
            with path.open("ab") as fh:
                fh.write(member)
            part = res["parts"][rel]
            codes[rel] += part.codes
            _, source, day = rel.split("/")
            truth.add_file_part(rel, tenant, source, day.split(".")[0], part)
        truth.add_unit(tenant, res["truth"])
        if progress is not None:
            progress(done, len(units))

    if cfg.defects and codes:
        t_index, t_source, t_day = cfg.truncated_file
        trunc_rel = rel_path(worlds[t_index].tenant, SOURCE_NAMES.index(t_source), t_day)
        if trunc_rel not in codes:
            trunc_rel = None
        o_index, o_source, o_day = cfg.oversized_file
        over_rel = rel_path(worlds[o_index].tenant, SOURCE_NAMES.index(o_source), o_day)
        if over_rel not in codes:
            over_rel = next(r for r in sorted(codes) if r != trunc_rel)
        over_day = (date.fromisoformat(over_rel.split("/")[-1][:10]) - date(1970, 1, 1)).days
        line = _oversized_line(cfg, worlds[o_index].tenant, over_day).encode()
        with (out_dir / over_rel).open("ab") as fh:
            fh.write(_gzip_member(line + b"\n"))
        codes[over_rel].append(KIND_CODE["oversized"])
        f = truth.files[over_rel]
        f["lines_written"] += 1
        f["defects"]["oversized"] += 1
        truth.oversized = {"file": over_rel, "bytes": len(line)}
        if trunc_rel is not None:
            info = _truncate(out_dir / trunc_rel, bytes(codes[trunc_rel]))
            f = truth.files[trunc_rel]
            f.update(
                truncated_archive=True,
                lines_intact=info["lines_intact"],
                partial_line=info["partial_line"],
                valid_lines_intact=info["valid_lines_intact"],
                blank_lines_intact=info["blank_lines_intact"],
                defects_intact=info["defects_intact"],
            )
            truth.truncated = {
                "file": trunc_rel,
                "lines_written": f["lines_written"],
                **info,
                "lost": {
                    **info["lost"],
                    "distinct_messages_by_tenant": {
                        worlds[t_index].tenant: info["lost"]["distinct_messages"]
                    },
                },
            }
    truth_path = out_dir / TRUTH_FILE
    truth_path.write_text(dump_truth(truth.render()), encoding="utf-8")
    files = sorted(out_dir / rel for rel in codes)
    events = sum(len(c) for c in codes.values())
    seconds = time.perf_counter() - started
    return GenerateResult(
        files=files,
        events=events,
        seconds=seconds,
        events_per_second=events / seconds if seconds > 0 else 0.0,
        truth_path=truth_path,
    )
