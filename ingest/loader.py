"""Load JSONL files into `raw.events`, `raw.quarantine` and the ledger `raw.files`.

Whole files are committed together with their ledger rows, so a crash at any moment leaves
each file either wholly loaded and recorded or not at all; the next run loads what is
missing. Small files are landed in batches (one statement and one transaction for several
whole files: per-file planning and commits would otherwise dominate daily exports); a file
too large to hold in memory is landed alone, chunk by chunk, in its own transaction. Files
already in the ledger with the same sha256 are skipped. Reading and gzip decoding run in
worker threads (zlib releases the GIL) while DuckDB validates the previous batch.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa

from ingest import landing
from ingest.files import Chunk, InputFile, ReadOutcome, discover, read_chunks, sha256_of
from ingest.pii import hmac_pads, pii_key
from signalhouse.warehouse import connect

DEFAULT_MAX_LINE_BYTES = 1 << 20
EXCERPT_CHARS = 500
DEFAULT_TENANT = "default"
PREFETCH_MAX_BYTES = 256 << 20
# How much decoded input is read ahead of the batch being landed (gzip counted as
# GZIP_EXPANSION times its stored size, about what event JSON compresses by).
PREFETCH_AHEAD_BYTES = 128 << 20
GZIP_EXPANSION = 8
# A batch is flushed once it fills a few of DuckDB's row groups (122,880 rows): whole row
# groups are written straight to the file at commit, smaller appends go through the WAL and
# are written a second time at the checkpoint (measured: commit 3.0 s -> 0.4 s per 435k lines).
BATCH_MIN_LINES = 3 * 122_880
BATCH_MAX_BYTES = 512 << 20
BATCH_MAX_FILES = 4096
# The decoded lines waiting in Python (read ahead, and the batch being landed) sit outside
# DuckDB's memory_limit: under a limit they are kept to a share of it, so that the whole
# process stays near the limit (measured at 1M under 1 GiB: peak RSS 2.1 -> 1.8 GiB, ingest
# about 1.1x slower). Unlimited (DuckDB's default, 80 % of memory) the shares exceed the
# fixed sizes above and change nothing.
BATCH_SHARE_OF_LIMIT = 1 / 8
PREFETCH_SHARE_OF_LIMIT = 1 / 32
UNITS = {"bytes": 1, "KiB": 1 << 10, "MiB": 1 << 20, "GiB": 1 << 30, "TiB": 1 << 40}


class NoInputError(ValueError):
    """The paths given hold no files to ingest."""


@dataclass
class FileResult:
    """What happened to one input file."""

    path: Path
    tenant_id: str
    sha256: str
    status: str
    lines_read: int = 0
    lines_loaded: int = 0
    lines_quarantined: int = 0
    lines_blank: int = 0
    quarantined_by_reason: dict[str, int] = field(default_factory=dict)
    status_detail: str | None = None


@dataclass
class IngestSummary:
    """The outcome of one ingest run."""

    load_id: str
    db_path: Path
    files: list[FileResult]

    def count(self, status: str) -> int:
        return sum(1 for result in self.files if result.status == status)

    @property
    def quarantined_by_reason(self) -> dict[str, int]:
        totals: Counter[str] = Counter()
        for result in self.files:
            totals.update(result.quarantined_by_reason)
        return dict(sorted(totals.items()))

    def total(self, attribute: str) -> int:
        return sum(getattr(result, attribute) for result in self.files)


@dataclass
class _Prepared:
    """A file fingerprinted, and decoded ahead of time when it is small enough."""

    source: InputFile
    sha256: str
    size: int
    chunks: list[Chunk] | None
    outcome: ReadOutcome

    @property
    def decoded_bytes(self) -> int:
        return sum(chunk.table.nbytes for chunk in self.chunks or [])

    @property
    def lines(self) -> int:
        return sum(chunk.table.num_rows for chunk in self.chunks or [])


@dataclass
class _Entry:
    """A file about to be landed, with its place in the batch and what it resolves to."""

    index: int
    prepared: _Prepared
    file_tenant: str
    tenant_source: str
    result: FileResult


def _prepare(source: InputFile, known: frozenset[str]) -> _Prepared:
    sha256, size = sha256_of(source.path)
    outcome = ReadOutcome()
    chunks = None
    if sha256 not in known and size <= PREFETCH_MAX_BYTES:
        chunks = list(read_chunks(source.path, outcome))
    return _Prepared(source, sha256, size, chunks, outcome)


@dataclass(frozen=True)
class _Budget:
    """How much decoded input ingest holds in Python: read ahead, and in one batch."""

    ahead_bytes: int = PREFETCH_AHEAD_BYTES
    batch_bytes: int = BATCH_MAX_BYTES

    @classmethod
    def within(cls, con) -> _Budget:
        """The budget under the connection's memory_limit."""
        setting = con.execute("select current_setting('memory_limit')").fetchone()[0]
        number, _, unit = setting.partition(" ")
        try:
            limit = float(number) * UNITS[unit]
        except (KeyError, ValueError):
            return cls()
        return cls(
            ahead_bytes=min(PREFETCH_AHEAD_BYTES, int(limit * PREFETCH_SHARE_OF_LIMIT)),
            batch_bytes=min(BATCH_MAX_BYTES, int(limit * BATCH_SHARE_OF_LIMIT)),
        )


def _prepared_in_order(
    files: list[InputFile], known: frozenset[str], workers: int, ahead_bytes: int
) -> Iterator[_Prepared]:
    """Prepare files in worker threads ahead of landing, yielding them in input order.

    Reading runs up to about `ahead_bytes` of decoded input ahead, so that most of the next
    batch is read and decoded (several files at once) while DuckDB validates the current
    one; always at least `workers` + 1 files.
    """
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        pending: list[tuple[Future[_Prepared], int]] = []
        queue = iter(files)
        ahead = 0

        def submit_more() -> None:
            nonlocal ahead
            while len(pending) <= workers or ahead < ahead_bytes:
                source = next(queue, None)
                if source is None:
                    return
                size = _decoded_size_guess(source.path)
                pending.append((pool.submit(_prepare, source, known), size))
                ahead += size

        submit_more()
        while pending:
            future, size = pending.pop(0)
            prepared = future.result()
            ahead -= size
            submit_more()
            yield prepared


def _decoded_size_guess(path: Path) -> int:
    try:
        size = path.stat().st_size
    except OSError:
        return 0
    return size * GZIP_EXPANSION if path.name.endswith(".gz") else size


def ingest_paths(
    paths: list[Path],
    db_path: Path,
    *,
    tenant: str | None = None,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    workers: int = 2,
    batch_lines: int = BATCH_MIN_LINES,
    progress: Callable[[int, int, FileResult], None] | None = None,
    suppress_opted_out: bool = True,
) -> IngestSummary:
    """Load every file under `paths`; return what happened to each.

    Lines of identifiers on the suppression list (`raw.consent_suppressions`) timed after
    their suppression began are dropped (reason `consent_suppressed`). With
    `suppress_opted_out` (the default), analytics opt-outs in landed Consent Updated events
    join the list first (this batch's and every earlier one's).

    Small files are committed together once `batch_lines` lines are pending: fewer, larger
    commits are faster, smaller ones lose less work to a crash.
    """
    files = discover(paths)
    if not files:
        raise NoInputError(
            "no input files found under "
            + ", ".join(str(path) for path in paths)
            + " (looked for *.jsonl, *.jsonl.gz, *.json.gz, *.ndjson[.gz])"
        )
    ipad, opad = hmac_pads(pii_key())
    load_id = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:8]
    con = connect(db_path)
    try:
        con.execute(landing.RAW_DDL)
        con.execute(landing.macros_sql(ipad, opad))
        con.execute(
            "insert into raw.ingest_runs (load_id, started_at) values (?, ?)",
            [load_id, datetime.now(UTC)],
        )
        known = {row[0] for row in con.execute("select sha256 from raw.files").fetchall()}
        results: list[FileResult] = []
        done = 0

        def report(finished: list[FileResult]) -> None:
            nonlocal done
            for result in finished:
                results.append(result)
                done += 1
                if progress:
                    progress(done, len(files), result)

        batch: list[_Entry] = []
        batch_bytes = pending_lines = 0
        budget = _Budget.within(con)
        for prepared in _prepared_in_order(files, frozenset(known), workers, budget.ahead_bytes):
            file_tenant = tenant or prepared.source.path_tenant or DEFAULT_TENANT
            tenant_source = (
                "--tenant" if tenant else "path" if prepared.source.path_tenant else "default"
            )
            result = FileResult(prepared.source.path, file_tenant, prepared.sha256, "loaded")
            if prepared.sha256 in known:
                result.status = "skipped"
                result.status_detail = "the same bytes were loaded before"
                report(_land(con, batch, load_id, max_line_bytes, suppress_opted_out))
                batch, batch_bytes, pending_lines = [], 0, 0
                report([result])
                continue
            known.add(prepared.sha256)
            entry = _Entry(len(batch), prepared, file_tenant, tenant_source, result)
            if prepared.chunks is None:
                # Too large to hold: land it alone, streaming its chunks.
                report(_land(con, batch, load_id, max_line_bytes, suppress_opted_out))
                batch, batch_bytes, pending_lines = [], 0, 0
                entry.index = 0
                report(_land(con, [entry], load_id, max_line_bytes, suppress_opted_out))
                continue
            batch.append(entry)
            batch_bytes += prepared.decoded_bytes
            pending_lines += prepared.lines
            if (
                pending_lines >= batch_lines
                or batch_bytes >= budget.batch_bytes
                or len(batch) >= BATCH_MAX_FILES
            ):
                report(_land(con, batch, load_id, max_line_bytes, suppress_opted_out))
                batch, batch_bytes, pending_lines = [], 0, 0
        report(_land(con, batch, load_id, max_line_bytes, suppress_opted_out))
        summary = IngestSummary(load_id, db_path, results)
        con.execute(
            """
            update raw.ingest_runs set
                finished_at = ?, files_seen = ?, files_loaded = ?, files_skipped = ?,
                files_corrupt = ?, lines_read = ?, lines_loaded = ?, lines_quarantined = ?,
                lines_blank = ?
            where load_id = ?
            """,
            [
                datetime.now(UTC),
                len(results),
                summary.count("loaded"),
                summary.count("skipped"),
                summary.count("corrupt_archive"),
                summary.total("lines_read"),
                summary.total("lines_loaded"),
                summary.total("lines_quarantined"),
                summary.total("lines_blank"),
                load_id,
            ],
        )
        return summary
    finally:
        con.close()


def _chunk_tables(entries: list[_Entry]) -> Iterable[pa.Table]:
    """The batch's lines as Arrow tables tagged with their file's index in the batch."""

    def tagged(entry: _Entry, chunk: Chunk) -> pa.Table:
        index = np.full(chunk.table.num_rows, entry.index, dtype=np.int32)
        return chunk.table.add_column(0, "file_index", pa.array(index))

    if len(entries) == 1 and entries[0].prepared.chunks is None:
        entry = entries[0]
        for chunk in read_chunks(entry.prepared.source.path, entry.prepared.outcome):
            yield tagged(entry, chunk)
        return
    tables = [tagged(entry, chunk) for entry in entries for chunk in entry.prepared.chunks]
    if tables:
        yield pa.concat_tables(tables)


def _land(
    con, entries: list[_Entry], load_id: str, max_line_bytes: int, suppress_opted_out: bool
) -> list[FileResult]:
    """Validate and land whole files in one transaction together with their ledger rows."""
    if not entries:
        return []
    started_at = datetime.now(UTC)
    batch_files = pa.table(
        {
            "file_index": pa.array([entry.index for entry in entries], pa.int32()),
            "source_file": [str(entry.prepared.source.path) for entry in entries],
            "sha256": [entry.prepared.sha256 for entry in entries],
            "file_tenant": [entry.file_tenant for entry in entries],
            "tenant_source": [entry.tenant_source for entry in entries],
            "loaded_at": pa.array([started_at] * len(entries), pa.timestamp("us", tz="UTC")),
        }
    )
    reasons: list[Counter[str]] = [Counter() for _ in entries]
    tombstoned = con.execute("select count(*) > 0 from raw.tombstones").fetchone()[0]
    suppressing = con.execute("select count(*) > 0 from raw.consent_suppressions").fetchone()[0]
    con.execute("begin transaction")
    try:
        con.register("batch_files", batch_files)
        for table in _chunk_tables(entries):
            con.register("chunk", table)
            con.execute(
                landing.LANDED_SQL,
                {"max_line_bytes": max_line_bytes, "excerpt_chars": EXCERPT_CHARS},
            )
            con.unregister("chunk")
            if tombstoned:
                con.execute(landing.TOMBSTONES_APPLY_SQL)
            if suppress_opted_out:
                con.execute(landing.CONSENT_CHANGES_SQL)
                con.execute(landing.CONSENT_RECORD_SQL)
            if suppress_opted_out or suppressing:
                con.execute(landing.CONSENT_APPLY_SQL)
            for index, read, loaded, quarantined, blank in con.execute(
                landing.CHUNK_COUNTS_SQL
            ).fetchall():
                result = entries[index].result
                result.lines_read += read
                result.lines_loaded += loaded
                result.lines_quarantined += quarantined
                result.lines_blank += blank
            for index, reason, count in con.execute(landing.REASONS_SQL).fetchall():
                reasons[index][reason] += count
            con.execute(landing.INSERT_EVENTS_SQL, {"load_id": load_id})
            con.execute(landing.INSERT_QUARANTINE_SQL, {"load_id": load_id})
        for entry in entries:
            _close_file(con, entry, reasons[entry.index], load_id, started_at)
        _record_ledger(con, entries, load_id, started_at)
        con.unregister("batch_files")
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return [entry.result for entry in entries]


def _close_file(con, entry: _Entry, reasons: Counter[str], load_id: str, started_at) -> None:
    """Say what a corrupt archive lost, land its cut-off line, and total the reasons."""
    outcome = entry.prepared.outcome
    result = entry.result
    if outcome.archive_error:
        result.status = "corrupt_archive"
        result.status_detail = (
            f"{outcome.archive_error}; policy: every complete line before the break was "
            "loaded or quarantined, the cut-off last line is quarantined as "
            "corrupt_archive; re-export the file to recover the rest (a re-exported "
            "file loads as a new version and duplicates are removed in staging)"
        )
    if outcome.partial_tail is not None:
        _land_partial_tail(con, entry, reasons, load_id, started_at)
    result.quarantined_by_reason = dict(sorted(reasons.items()))


def _record_ledger(con, entries: list[_Entry], load_id: str, started_at) -> None:
    finished_at = datetime.now(UTC)
    ledger = pa.table(
        {
            "path": [str(entry.prepared.source.path) for entry in entries],
            "file_name": [entry.prepared.source.path.name for entry in entries],
            "tenant_id": [entry.file_tenant for entry in entries],
            "sha256": [entry.prepared.sha256 for entry in entries],
            "bytes": pa.array([entry.prepared.size for entry in entries], pa.int64()),
            "is_compressed": [entry.prepared.outcome.is_compressed for entry in entries],
            "lines_read": pa.array([e.result.lines_read for e in entries], pa.int64()),
            "lines_loaded": pa.array([e.result.lines_loaded for e in entries], pa.int64()),
            "lines_quarantined": pa.array(
                [e.result.lines_quarantined for e in entries], pa.int64()
            ),
            "lines_blank": pa.array([e.result.lines_blank for e in entries], pa.int64()),
            "quarantined_by_reason": [
                json.dumps(entry.result.quarantined_by_reason) for entry in entries
            ],
            "status": [entry.result.status for entry in entries],
            "status_detail": pa.array(
                [entry.result.status_detail for entry in entries], pa.string()
            ),
            "started_at": pa.array([started_at] * len(entries), pa.timestamp("us", tz="UTC")),
            "finished_at": pa.array([finished_at] * len(entries), pa.timestamp("us", tz="UTC")),
        }
    )
    con.register("ledger", ledger)
    con.execute(landing.INSERT_FILES_SQL, {"load_id": load_id})
    con.unregister("ledger")


def _land_partial_tail(con, entry: _Entry, reasons: Counter[str], load_id: str, loaded_at) -> None:
    """The half line a corrupt archive ends with: blank, or quarantined as corrupt_archive."""
    outcome = entry.prepared.outcome
    tail = outcome.partial_tail or b""
    result = entry.result
    result.lines_read += 1
    if not tail.strip():
        result.lines_blank += 1
        return
    result.lines_quarantined += 1
    reasons["corrupt_archive"] += 1
    con.execute(
        """
        insert into raw.quarantine
        select
            $file_tenant, 'corrupt_archive',
            'the archive breaks inside this line; ' || $detail,
            sh_scrub(left(coalesce(try(decode($tail)), $tail::varchar), $excerpt_chars)),
            octet_length($tail), true, null, $source_file, $line_number, $sha256,
            $load_id, $loaded_at
        """,
        {
            "file_tenant": entry.file_tenant,
            "detail": outcome.archive_error,
            "tail": tail,
            "excerpt_chars": EXCERPT_CHARS,
            "source_file": str(entry.prepared.source.path),
            "line_number": outcome.partial_tail_line,
            "sha256": entry.prepared.sha256,
            "load_id": load_id,
            "loaded_at": loaded_at,
        },
    )
    # A cut-off line that names an erased person keeps its place, not its text.
    con.execute(
        """
        update raw.quarantine set excerpt = null
        where
            _load_id = $load_id and _file_sha256 = $sha256 and reason = 'corrupt_archive'
            and sh_is_tombstoned(tenant_id, sh_ids_named(excerpt))
        """,
        {"load_id": load_id, "sha256": entry.prepared.sha256},
    )
