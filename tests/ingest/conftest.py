"""Fixtures for ingest tests: envelopes, files and a reader of the raw tables."""

from __future__ import annotations

import copy
import gzip
import json
from pathlib import Path

import duckdb
import pytest

BASE_EVENT = {
    "type": "track",
    "messageId": "msg-0001",
    "anonymousId": "anon-1",
    "userId": "user-1",
    "event": "Order Completed",
    "properties": {"order_id": "o-1", "revenue": 12.5, "currency": "USD"},
    "context": {"library": {"name": "analytics.js", "version": "2.11.1"}},
    "timestamp": "2026-10-12T08:00:00.000Z",
    "originalTimestamp": "2026-10-12T08:00:00.000Z",
    "sentAt": "2026-10-12T08:00:01.000Z",
    "receivedAt": "2026-10-12T08:00:02.000Z",
}


def event(**overrides) -> dict:
    """A valid track event with fields overridden; a value of ... removes the field."""
    result = copy.deepcopy(BASE_EVENT)
    for key, value in overrides.items():
        if value is ...:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def line(**overrides) -> bytes:
    return json.dumps(event(**overrides)).encode()


def write_lines(path: Path, lines: list[bytes], *, compress: bool = False) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = b"\n".join(lines) + b"\n"
    path.write_bytes(gzip.compress(data, mtime=0) if compress else data)
    return path


def rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


@pytest.fixture(autouse=True)
def _pii_key(monkeypatch):
    monkeypatch.setenv("SIGNALHOUSE_PII_KEY", "test-key")


@pytest.fixture
def db(tmp_path) -> Path:
    return tmp_path / "warehouse.duckdb"
