"""Fast helpers to build envelope lines: ISO timestamps, message ids, JSON encoding."""

from __future__ import annotations

import json
import random
from datetime import timedelta

from signalhouse.simulator.world import EPOCH

SOURCE_INDEX = {"web": 0, "ios": 1, "android": 2, "backend": 3}
SOURCE_NAMES = ("web", "ios", "android", "backend")

# Flags carried with each valid line (used by the defect stage and the truth).
F_COLLIDABLE = 1  # a view / Feature Used whose payload may be reused by a collision
F_CLOCK_SKEW = 2
F_PLACEHOLDER = 4
F_BOT = 8

_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_MINUTE_PREFIX: dict[int, str] = {}


def dumps(obj: object) -> str:
    """Compact JSON, UTF-8 text (not \\u-escaped)."""
    return _encode(obj)


def iso(ms: int) -> str:
    """Epoch milliseconds -> '2026-10-12T08:15:30.123Z' (minute prefixes are cached)."""
    minute, r = divmod(ms, 60_000)
    prefix = _MINUTE_PREFIX.get(minute)
    if prefix is None:
        d, m = divmod(minute, 1440)
        h, m = divmod(m, 60)
        prefix = f"{(EPOCH + timedelta(days=d)).isoformat()}T{h:02d}:{m:02d}:"
        if len(_MINUTE_PREFIX) > 500_000:
            _MINUTE_PREFIX.clear()
        _MINUTE_PREFIX[minute] = prefix
    s, milli = divmod(r, 1000)
    return f"{prefix}{s:02d}.{milli:03d}Z"


def new_uuid(rng: random.Random) -> str:
    """A uuid4-shaped string drawn from a seeded RNG."""
    h = f"{rng.getrandbits(128):032x}"
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{'89ab'[int(h[16], 16) & 3]}{h[17:20]}-{h[20:]}"


def finish_line(head: dict, ctx_json: str, ts: int, orig: int, sent: int, recv: int) -> str:
    """Serialise the head (type, ids, event, properties...) and splice the context and the
    four timestamps in; the context is pre-serialised once per session."""
    s = _encode(head)
    r_ts, r_orig, r_sent, r_recv = iso(ts), iso(orig), iso(sent), iso(recv)
    return (
        f'{s[:-1]},"context":{ctx_json},"timestamp":"{r_ts}","originalTimestamp":"'
        f'{r_orig}","sentAt":"{r_sent}","receivedAt":"{r_recv}"}}'
    )
