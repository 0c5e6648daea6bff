"""Helpers shared by the simulator tests: reading cut gzip files and an independent line
classifier (it does not import the simulator's own defect code)."""

from __future__ import annotations

import json
import re
import zlib
from datetime import datetime
from pathlib import Path

SMALL = {"users": 120, "days": 5, "seed": 7}


def read_lines(path: Path) -> tuple[list[bytes], bytes]:
    """(complete lines, trailing partial line) of a gzip file that may hold several members
    and may be cut short; a complete line is one followed by a newline."""
    data = path.read_bytes()
    chunks = []
    while data:
        d = zlib.decompressobj(31)
        try:
            chunks.append(d.decompress(data))
        except zlib.error:
            break
        if not d.eof:
            break
        data = d.unused_data
    raw = b"".join(chunks)
    parts = raw.split(b"\n")
    return parts[:-1], parts[-1]


TYPES = {"track", "identify", "page", "screen", "alias", "group"}
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$")
MIB = 1024 * 1024


class _Flags:
    def __init__(self) -> None:
        self.duplicate_key = False
        self.non_finite = False


def _parse(text: str) -> tuple[object, _Flags]:
    flags = _Flags()

    def pairs(items: list[tuple[str, object]]) -> dict:
        keys = [k for k, _ in items]
        if len(keys) != len(set(keys)):
            flags.duplicate_key = True
        return dict(items)

    def constant(name: str) -> float:
        flags.non_finite = True
        return float(name)

    return json.loads(text, object_pairs_hook=pairs, parse_constant=constant), flags


def _is_iso(value: object) -> bool:
    if not isinstance(value, str) or not ISO.match(value):
        return False
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def classify(raw: bytes) -> tuple[str, dict | None]:
    """('valid' | 'blank' | an invalid kind, the parsed object when valid)."""
    if len(raw) > MIB:
        return "oversized", None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return "invalid_unicode", None
    if not text.strip():
        return "blank", None
    try:
        obj, flags = _parse(text)
    except json.JSONDecodeError:
        try:
            json.JSONDecoder().raw_decode(text.lstrip())
            return "trailing_garbage", None
        except json.JSONDecodeError:
            return ("not_json" if text.rstrip().endswith("}") else "truncated"), None
    if flags.duplicate_key:
        return "duplicate_key", None
    if flags.non_finite:
        return "non_finite_number", None
    if not isinstance(obj, dict):
        return "not_an_object", None
    if "type" not in obj:
        return "missing_field:type", None
    if "messageId" not in obj:
        return "missing_field:messageId", None
    if not isinstance(obj["messageId"], str):
        return "wrong_type:messageId", None
    if "properties" in obj and not isinstance(obj["properties"], dict):
        return "wrong_type:properties", None
    if not isinstance(obj.get("context"), dict):
        return "wrong_type:context", None
    if not isinstance(obj.get("timestamp"), str):
        return "wrong_type:timestamp", None
    if "userId" in obj and not isinstance(obj["userId"], str):
        return "wrong_type:userId", None
    if obj["type"] not in TYPES:
        return "unknown_type", None
    if obj["type"] == "track" and "event" not in obj:
        return "missing_field:event", None
    if "anonymousId" not in obj and "userId" not in obj:
        return "missing_field:anonymousId_or_userId", None
    for key in ("timestamp", "originalTimestamp", "sentAt", "receivedAt"):
        if not _is_iso(obj.get(key)):
            return "invalid_timestamp", None
    return "valid", obj
