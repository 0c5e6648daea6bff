"""Find input files, fingerprint them and cut their bytes into line-aligned chunks.

Nothing here looks inside a line: lines travel to DuckDB as raw bytes with their line
numbers (an Arrow table built from numpy offsets, no per-line Python), and all validation
happens in SQL. Gzip streams are decoded with zlib so that a stream cut short or corrupt
still yields every complete line before the break, and the break itself is reported.
"""

from __future__ import annotations

import hashlib
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa

PATTERNS = ("*.jsonl", "*.jsonl.gz", "*.json.gz", "*.ndjson", "*.ndjson.gz")
GZIP_MAGIC = b"\x1f\x8b"
READ_BYTES = 4 << 20
CHUNK_BYTES = 64 << 20
TENANT_DIR = re.compile(r"^tenant=(?P<tenant>[A-Za-z0-9_.\-]+)$")


@dataclass(frozen=True)
class InputFile:
    """One input file with the tenant its path implies."""

    path: Path
    path_tenant: str | None


@dataclass
class Chunk:
    """Consecutive complete lines of one file, as bytes with 1-based line numbers."""

    first_line: int
    table: pa.Table


@dataclass
class ReadOutcome:
    """What reading a whole file found, apart from its lines."""

    is_compressed: bool = False
    archive_error: str | None = None
    partial_tail: bytes | None = None
    partial_tail_line: int | None = None


def discover(paths: list[Path]) -> list[InputFile]:
    """Files given directly, and matching files below given folders, in a stable order."""
    found: dict[Path, InputFile] = {}
    for given in paths:
        if given.is_dir():
            candidates = sorted(
                {p for pattern in PATTERNS for p in given.rglob(pattern) if p.is_file()}
            )
        elif given.is_file():
            candidates = [given]
        else:
            raise FileNotFoundError(f"{given}: no such file or folder")
        for candidate in candidates:
            resolved = candidate.resolve()
            found.setdefault(resolved, InputFile(resolved, tenant_from_path(resolved)))
    return [found[key] for key in sorted(found)]


def tenant_from_path(path: Path) -> str | None:
    """The innermost `tenant=<id>` folder in a path, if any."""
    for part in reversed(path.parts[:-1]):
        match = TENANT_DIR.match(part)
        if match:
            return match.group("tenant")
    return None


def sha256_of(path: Path) -> tuple[str, int]:
    """Hex sha256 and size of a file's bytes as stored (compressed if it is)."""
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while block := handle.read(READ_BYTES):
            digest.update(block)
            size += len(block)
    return digest.hexdigest(), size


def _decoded_blocks(path: Path, outcome: ReadOutcome) -> Iterator[bytes]:
    """Yield the file's decoded bytes; record a corrupt or truncated gzip stream."""
    with path.open("rb") as handle:
        head = handle.read(2)
        handle.seek(0)
        if head != GZIP_MAGIC:
            if path.name.endswith(".gz"):
                outcome.archive_error = "named .gz but not a gzip stream (no gzip header)"
                return
            while block := handle.read(READ_BYTES):
                yield block
            return
        outcome.is_compressed = True
        decoder = zlib.decompressobj(wbits=31)
        pending = b""
        while True:
            block = pending or handle.read(READ_BYTES)
            pending = b""
            if not block:
                break
            try:
                decoded = decoder.decompress(block)
            except zlib.error as exc:
                outcome.archive_error = f"corrupt gzip data: {exc}"
                return
            if decoded:
                yield decoded
            if decoder.eof:
                # Another gzip member may follow: concatenated members are valid gzip.
                pending = decoder.unused_data or handle.read(READ_BYTES)
                if not pending:
                    return
                if not pending.startswith(GZIP_MAGIC[: len(pending)]):
                    outcome.archive_error = "unexpected bytes after the end of the gzip stream"
                    return
                decoder = zlib.decompressobj(wbits=31)
        outcome.archive_error = "gzip stream ends before its end-of-stream marker (cut short)"


def lines_table(buffer: bytes | memoryview, first_line: int) -> pa.Table:
    """Split a buffer of lines into an Arrow table of line bytes, terminators removed.

    Vectorized: newline positions come from numpy, the terminators (LF or CRLF) are dropped
    in one copy, and the Arrow array is built from the offsets without per-line Python. A
    buffer that does not end in a newline has its last line without one.
    """
    array = np.frombuffer(buffer, dtype=np.uint8)
    newline_at = np.flatnonzero(array == 10)
    starts = np.concatenate(([0], newline_at + 1)).astype(np.int64)
    ends = np.append(newline_at, len(buffer)).astype(np.int64)
    if starts[-1] == len(buffer):
        starts, ends = starts[:-1], ends[:-1]
    # A CR right before the LF belongs to the terminator.
    has_cr = (ends > starts) & (ends < len(buffer))
    has_cr[has_cr] = array[ends[has_cr] - 1] == 13
    content_ends = ends - has_cr
    keep = np.ones(len(buffer), dtype=bool)
    keep[newline_at] = False
    keep[content_ends[has_cr]] = False
    data = array[keep]
    lengths = content_ends - starts
    offsets = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    count = len(lengths)
    lines = pa.LargeBinaryArray.from_buffers(
        pa.large_binary(), count, [None, pa.py_buffer(offsets), pa.py_buffer(data)]
    )
    numbers = pa.array(np.arange(first_line, first_line + count, dtype=np.int64))
    return pa.table({"line_number": numbers, "line": lines})


def read_chunks(
    path: Path, outcome: ReadOutcome, chunk_bytes: int | None = None
) -> Iterator[Chunk]:
    """Yield line-aligned chunks of a file; a corrupt archive's unterminated tail is held back.

    After the iterator ends, `outcome` says whether the archive was corrupt and holds the
    partial last line (if any) that the break cut in half.
    """
    chunk_bytes = chunk_bytes or CHUNK_BYTES
    buffer = bytearray()
    next_line = 1
    for block in _decoded_blocks(path, outcome):
        buffer += block
        if len(buffer) >= chunk_bytes:
            cut = buffer.rfind(b"\n") + 1
            if cut:
                table = _lines_table_of_prefix(buffer, cut, next_line)
                del buffer[:cut]
                yield Chunk(next_line, table)
                next_line += table.num_rows
    if not buffer:
        return
    if outcome.archive_error:
        cut = buffer.rfind(b"\n") + 1
        if cut:
            table = _lines_table_of_prefix(buffer, cut, next_line)
            yield Chunk(next_line, table)
            next_line += table.num_rows
        tail = bytes(buffer[cut:])
        if tail:
            outcome.partial_tail = tail
            outcome.partial_tail_line = next_line
        return
    table = _lines_table_of_prefix(buffer, len(buffer), next_line)
    yield Chunk(next_line, table)


def _lines_table_of_prefix(buffer: bytearray, cut: int, first_line: int) -> pa.Table:
    """`lines_table` of the buffer's first `cut` bytes, read in place: slicing a bytearray
    (and `bytes()` of it) would copy the chunk once or twice more while it is decoded."""
    with memoryview(buffer) as view, view[:cut] as prefix:
        return lines_table(prefix, first_line)
