"""Turn a unit's valid lines into file contents, adding the defects real exports carry.

Invalid lines *accompany* valid ones (each is a damaged copy of the valid line just before
it), so the set of valid messages, and therefore every semantic count in the truth, is the
same with ``defects="none"`` and ``defects="default"``. Each invalid line has exactly one
invalid kind. Duplicates and collisions are valid lines and are counted under ``odd``.
"""

from __future__ import annotations

import heapq
import json
import random
from collections import Counter
from dataclasses import dataclass, field

from signalhouse.simulator.envelope import (
    F_BOT,
    F_CLOCK_SKEW,
    F_COLLIDABLE,
    F_PLACEHOLDER,
    SOURCE_NAMES,
    dumps,
)
from signalhouse.simulator.world import DAY_MS, RunConfig, make_rng, to_iso_date

INVALID_KINDS = (
    "not_json",
    "truncated",
    "trailing_garbage",
    "not_an_object",
    "invalid_unicode",
    "duplicate_key",
    "non_finite_number",
    "wrong_type:messageId",
    "wrong_type:properties",
    "wrong_type:context",
    "wrong_type:timestamp",
    "wrong_type:userId",
    "missing_field:type",
    "missing_field:messageId",
    "missing_field:event",
    "missing_field:anonymousId_or_userId",
    "invalid_timestamp",
    "unknown_type",
    "oversized",
)
RANDOM_INVALID_KINDS = INVALID_KINDS[:-1]  # oversized: exactly one per run, added at the end
ODD_KINDS = (
    "duplicate_same_file",
    "duplicate_other_file",
    "duplicate_days_later",
    "collision",
    "placeholder_id",
    "clock_skew",
    "late_delivery",
    "bot",
    "unicode",
)
CODE_VALID = 0
CODE_BLANK = 1
KIND_CODE = {k: i + 2 for i, k in enumerate(INVALID_KINDS)}
CODE_KIND = {v: k for k, v in KIND_CODE.items()}

# Flags added to the person-level flags in envelope.py
F_DUP_SAME = 16
F_DUP_OTHER = 32
F_DUP_LATER = 64
F_COLLISION = 128
_FLAG_ODD = (
    (F_DUP_SAME, "duplicate_same_file"),
    (F_DUP_OTHER, "duplicate_other_file"),
    (F_DUP_LATER, "duplicate_days_later"),
    (F_COLLISION, "collision"),
    (F_PLACEHOLDER, "placeholder_id"),
    (F_CLOCK_SKEW, "clock_skew"),
    (F_BOT, "bot"),
)
_ODD_MASK = sum(bit for bit, _ in _FLAG_ODD)

# Per valid line, cumulative thresholds of one uniform draw (at most one extra per line).
P_INVALID = 0.003
P_BLANK = P_INVALID + 0.0005
P_DUP_SAME = P_BLANK + 0.002
P_DUP_OTHER = P_DUP_SAME + 0.001
P_DUP_LATER = P_DUP_OTHER + 0.001
P_COLLISION = P_DUP_LATER + 0.0003

MESSAGE_ID_KEY = '"messageId":"'


def message_id_of(line: str) -> str:
    i = line.index(MESSAGE_ID_KEY) + len(MESSAGE_ID_KEY)
    return line[i : line.index('"', i)]


def make_invalid(kind: str, line: str, rng: random.Random) -> str | bytes:
    """A copy of the valid ``line`` with exactly one defect of ``kind``."""
    if kind == "not_json":
        v = rng.randrange(3)
        if v == 0:
            return line[0] + line[2:]  # {type":"track",...}
        if v == 1:
            return line.replace('","', '" "', 1)  # a missing comma
        return line.replace('":"', '"="', 1)
    if kind == "truncated":
        cut = rng.randint(len(line) // 5, len(line) * 4 // 5)
        return line[:cut].rstrip(" }")
    if kind == "trailing_garbage":
        return line + rng.choice(("}", " garbage", ',"extra":1}', " {}", "\tEOF"))
    if kind == "not_an_object":
        return rng.choice(("[1,2,3]", '"Order Completed"', "42", "null", "true", f"[{line}]"))
    if kind == "invalid_unicode":
        b = line.encode()
        i = b.index(MESSAGE_ID_KEY.encode()) + len(MESSAGE_ID_KEY)
        return b[:i] + rng.choice((b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80")) + b[i:]
    if kind == "duplicate_key":
        if rng.random() < 0.5:
            comma = line.index(",")
            return line[:comma] + "," + line[1:comma] + line[comma:]  # "type" twice
        other = f"{rng.getrandbits(128):032x}"
        return '{"messageId":"' + other + '",' + line[1:]
    d = json.loads(line)
    if kind == "non_finite_number":
        props = d.get("properties")
        if not isinstance(props, dict):
            props = d["properties"] = {}
        numeric = sorted(k for k, v in props.items() if type(v) in (int, float))
        key = rng.choice(numeric) if numeric else "value"
        props[key] = rng.choice((float("nan"), float("inf"), float("-inf")))
    elif kind == "wrong_type:messageId":
        d["messageId"] = rng.randint(10**9, 10**12)
    elif kind == "wrong_type:properties":
        d["properties"] = dumps(d.get("properties", {}))
    elif kind == "wrong_type:context":
        d["context"] = [d["context"]]
    elif kind == "wrong_type:timestamp":
        d["timestamp"] = rng.randint(1_700_000_000_000, 1_800_000_000_000)
    elif kind == "wrong_type:userId":
        d["userId"] = {"id": d.get("userId") or "u_unknown"}
    elif kind == "missing_field:type":
        del d["type"]
    elif kind == "missing_field:messageId":
        del d["messageId"]
    elif kind == "missing_field:event":
        d["type"] = "track"
        d.pop("event", None)
        d.pop("name", None)
        d.setdefault("properties", {})
    elif kind == "missing_field:anonymousId_or_userId":
        d.pop("anonymousId", None)
        d.pop("userId", None)
    elif kind == "invalid_timestamp":
        field_ = rng.choice(("originalTimestamp", "timestamp"))
        d[field_] = rng.choice(
            ("2026-13-45T99:00:00Z", "yesterday", "2026-02-30T10:00:00.000Z", "not a date", "")
        )
    elif kind == "unknown_type":
        d["type"] = rng.choice(("trak", "screenview", "Track", "pageview"))
    else:
        raise ValueError(f"unknown defect kind {kind!r}")
    return dumps(d)


@dataclass
class FilePart:
    """One unit's contribution to one file."""

    lines: list[str | bytes] = field(default_factory=list)
    codes: bytearray = field(default_factory=bytearray)
    defects: Counter = field(default_factory=Counter)
    odd: Counter = field(default_factory=Counter)
    blank: int = 0
    valid: int = 0


Entry = tuple  # (line, code, flags, ts_day)


def rel_path(tenant: str, src: int, day: int) -> str:
    return f"tenant={tenant}/{SOURCE_NAMES[src]}/{to_iso_date(day)}.jsonl.gz"


def build_parts(
    records: list[tuple[int, int, int, str, int]],
    cfg: RunConfig,
    tenant_index: int,
    tenant: str,
    unit: int,
    collisions: list[dict],
) -> dict[str, FilePart]:
    """Group valid records by file (source, received day), order them by receivedAt, add
    defects, and return the file parts keyed by relative path."""
    records.sort(key=lambda r: (r[1], r[0]))  # stable: ties keep emission order
    groups: dict[tuple[int, int], list] = {}
    for r in records:
        groups.setdefault((r[1], r[0] // DAY_MS), []).append(r)
    keys = sorted(groups)
    sources_by_day: dict[int, list[int]] = {}
    for src, day in keys:
        sources_by_day.setdefault(day, []).append(src)
    # The file whose archive gets cut shares no duplicates or collisions with other lines, so
    # the messages lost with its tail are exactly countable.
    t_index, t_source, t_day = cfg.truncated_file
    protected = (SOURCE_NAMES.index(t_source), t_day) if tenant_index == t_index else None
    rng = make_rng(cfg.seed, tenant, "defects", unit)
    forced: list[str] = []
    if cfg.defects and tenant_index == 0 and unit == 0:
        forced = [
            *RANDOM_INVALID_KINDS,
            "blank",
            "duplicate_same_file",
            "duplicate_other_file",
            "duplicate_days_later",
            "collision",
        ]
    extras: dict[tuple[int, int], list[Entry]] = {}
    out_entries: dict[tuple[int, int], list[Entry]] = {}

    for key in keys:
        src, day = key
        out: list[Entry] = []
        pending: list[tuple[int, int, Entry]] = []
        recent: list[tuple[int, str]] = []
        others = [s for s in sources_by_day[day] if s != src and (s, day) != protected]
        for n, (recv, _, ts, line, flags) in enumerate(groups[key]):
            out.append((line, CODE_VALID, flags, ts // DAY_MS))
            while pending and pending[0][0] <= len(out):
                out.append(heapq.heappop(pending)[2])
            if not cfg.defects:
                continue
            kind = None
            if forced and key != protected:
                for k in forced:
                    if k == "duplicate_other_file" and not others:
                        continue
                    if k == "collision" and not (
                        flags & F_COLLIDABLE and recent and recent[0][0] < recv
                    ):
                        continue
                    kind = k
                    forced.remove(k)
                    break
            if kind is None:
                u = rng.random()
                if u < P_INVALID:
                    kind = rng.choice(RANDOM_INVALID_KINDS)
                elif u < P_BLANK:
                    kind = "blank"
                elif u < P_DUP_SAME:
                    kind = "duplicate_same_file"
                elif u < P_DUP_OTHER:
                    kind = "duplicate_other_file" if others else None
                elif u < P_DUP_LATER:
                    kind = "duplicate_days_later"
                elif u < P_COLLISION and flags & F_COLLIDABLE and recent and recent[0][0] < recv:
                    kind = "collision"
            if kind is not None and key == protected and kind not in KIND_CODE:
                kind = "blank" if kind == "blank" else None  # no duplicates in or out
            if kind is not None:
                if kind in KIND_CODE:
                    out.append((make_invalid(kind, line, rng), KIND_CODE[kind], 0, 0))
                elif kind == "blank":
                    out.append((rng.choice(("", " ", "   ", "\t")), CODE_BLANK, 0, 0))
                elif kind == "duplicate_same_file":
                    entry = (line, CODE_VALID, flags | F_DUP_SAME, ts // DAY_MS)
                    heapq.heappush(pending, (len(out) + rng.randint(1, 40), n, entry))
                elif kind == "duplicate_other_file":
                    target = (rng.choice(others), day)
                    extras.setdefault(target, []).append(
                        (line, CODE_VALID, flags | F_DUP_OTHER, ts // DAY_MS)
                    )
                elif kind == "duplicate_days_later":
                    target = (src, day + rng.randint(1, 5))
                    if target != protected:
                        extras.setdefault(target, []).append(
                            (line, CODE_VALID, flags | F_DUP_LATER, ts // DAY_MS)
                        )
                elif kind == "collision":
                    old = [mid for r_, mid in recent if r_ < recv]
                    old_id = rng.choice(old)
                    collided = line.replace(message_id_of(line), old_id, 1)
                    out.append((collided, CODE_VALID, flags | F_COLLISION, ts // DAY_MS))
                    collisions.append({"message_id": old_id, "file": rel_path(tenant, src, day)})
            if flags & F_COLLIDABLE:
                recent.append((recv, message_id_of(line)))
                if len(recent) > 16:
                    recent.pop(0)
        out.extend(e for _, _, e in sorted(pending))
        out_entries[key] = out

    parts: dict[str, FilePart] = {}
    for key in sorted(set(out_entries) | set(extras)):
        src, day = key
        part = FilePart()
        for line, code, flags, ts_day in out_entries.get(key, []) + extras.get(key, []):
            part.lines.append(line)
            part.codes.append(code)
            if code == CODE_VALID:
                part.valid += 1
                if flags & _ODD_MASK:
                    for bit, name in _FLAG_ODD:
                        if flags & bit:
                            part.odd[name] += 1
                if day > ts_day:
                    part.odd["late_delivery"] += 1
                if not line.isascii():
                    part.odd["unicode"] += 1
            elif code == CODE_BLANK:
                part.blank += 1
            else:
                part.defects[CODE_KIND[code]] += 1
        parts[rel_path(tenant, src, day)] = part
    return parts


def encode_part(part: FilePart) -> bytes:
    """The part's bytes: each line followed by a newline."""
    chunks = [ln if isinstance(ln, bytes) else ln.encode() for ln in part.lines]
    chunks.append(b"")
    return b"\n".join(chunks)
