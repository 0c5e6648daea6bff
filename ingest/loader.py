"""Load JSONL files into `raw.events`, `raw.quarantine` and the ledger `raw.files`.

One file is one transaction together with its ledger row, so a crash at any moment leaves
each file either wholly loaded and recorded or not at all; the next run loads what is
missing. Files already in the ledger with the same sha256 are skipped. Reading and gzip
decoding run in worker threads (zlib releases the GIL) while DuckDB validates the previous
file, so both cores stay busy.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ingest import landing
from ingest.files import Chunk, InputFile, ReadOutcome, discover, read_chunks, sha256_of
from ingest.pii import hmac_pads, pii_key
from signalhouse.warehouse import connect

DEFAULT_MAX_LINE_BYTES = 1 << 20
EXCERPT_CHARS = 500
DEFAULT_TENANT = "default"
PREFETCH_MAX_BYTES = 256 << 20


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


def _prepare(source: InputFile, known: frozenset[str]) -> _Prepared:
    sha256, size = sha256_of(source.path)
    outcome = ReadOutcome()
    chunks = None
    if sha256 not in known and size <= PREFETCH_MAX_BYTES:
        chunks = list(read_chunks(source.path, outcome))
    return _Prepared(source, sha256, size, chunks, outcome)


def _prepared_in_order(
    files: list[InputFile], known: frozenset[str], workers: int
) -> Iterator[_Prepared]:
    """Prepare files in worker threads, a few ahead, yielding them in input order."""
    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        pending: list[Future[_Prepared]] = []
        queue = iter(files)
        for source in queue:
            pending.append(pool.submit(_prepare, source, known))
            if len(pending) > workers:
                break
        while pending:
            yield pending.pop(0).result()
            nxt = next(queue, None)
            if nxt is not None:
                pending.append(pool.submit(_prepare, nxt, known))


def ingest_paths(
    paths: list[Path],
    db_path: Path,
    *,
    tenant: str | None = None,
    max_line_bytes: int = DEFAULT_MAX_LINE_BYTES,
    workers: int = 2,
    progress: Callable[[int, int, FileResult], None] | None = None,
) -> IngestSummary:
    """Load every file under `paths`; return what happened to each."""
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
        prepared_files = _prepared_in_order(files, frozenset(known), workers)
        for index, prepared in enumerate(prepared_files, start=1):
            file_tenant = tenant or prepared.source.path_tenant or DEFAULT_TENANT
            if prepared.sha256 in known:
                result = FileResult(
                    prepared.source.path,
                    file_tenant,
                    prepared.sha256,
                    "skipped",
                    status_detail="the same bytes were loaded before",
                )
            else:
                result = _load_file(con, prepared, file_tenant, tenant, load_id, max_line_bytes)
                known.add(prepared.sha256)
            results.append(result)
            if progress:
                progress(index, len(files), result)
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


def _load_file(
    con,
    prepared: _Prepared,
    file_tenant: str,
    tenant_override: str | None,
    load_id: str,
    max_line_bytes: int,
) -> FileResult:
    """Validate and land one file, in one transaction with its ledger row."""
    path = prepared.source.path
    started_at = datetime.now(UTC)
    tenant_source = (
        "--tenant" if tenant_override else "path" if prepared.source.path_tenant else "default"
    )
    outcome = prepared.outcome
    chunks = prepared.chunks if prepared.chunks is not None else read_chunks(path, outcome)
    result = FileResult(path, file_tenant, prepared.sha256, "loaded")
    reasons: Counter[str] = Counter()
    file_params = {
        "source_file": str(path),
        "sha256": prepared.sha256,
        "load_id": load_id,
        "loaded_at": started_at,
        "file_tenant": file_tenant,
    }
    con.execute("begin transaction")
    try:
        for chunk in chunks:
            con.register("chunk", chunk.table)
            con.execute(
                landing.LANDED_SQL,
                {
                    "max_line_bytes": max_line_bytes,
                    "excerpt_chars": EXCERPT_CHARS,
                    "file_tenant": file_tenant,
                    "tenant_source": tenant_source,
                },
            )
            con.unregister("chunk")
            read, loaded, quarantined, blank = con.execute(landing.CHUNK_COUNTS_SQL).fetchone()
            result.lines_read += read
            result.lines_loaded += loaded
            result.lines_quarantined += quarantined
            result.lines_blank += blank
            reasons.update(dict(con.execute(landing.REASONS_SQL).fetchall()))
            con.execute(landing.INSERT_EVENTS_SQL, _only(file_params, landing.INSERT_EVENTS_SQL))
            con.execute(
                landing.INSERT_QUARANTINE_SQL, _only(file_params, landing.INSERT_QUARANTINE_SQL)
            )
        if outcome.archive_error:
            result.status = "corrupt_archive"
            result.status_detail = (
                f"{outcome.archive_error}; policy: every complete line before the break was "
                "loaded or quarantined, the cut-off last line is quarantined as "
                "corrupt_archive; re-export the file to recover the rest (a re-exported "
                "file loads as a new version and duplicates are removed in staging)"
            )
        if outcome.partial_tail is not None:
            _land_partial_tail(con, outcome, file_params, result, reasons)
        result.quarantined_by_reason = dict(sorted(reasons.items()))
        version = con.execute(
            "select count(*) + 1 from raw.files where path = ?", [str(path)]
        ).fetchone()[0]
        con.execute(
            "insert into raw.files values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                load_id,
                str(path),
                path.name,
                file_tenant,
                prepared.sha256,
                prepared.size,
                outcome.is_compressed,
                version,
                result.lines_read,
                result.lines_loaded,
                result.lines_quarantined,
                result.lines_blank,
                json.dumps(result.quarantined_by_reason),
                result.status,
                result.status_detail,
                started_at,
                datetime.now(UTC),
            ],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return result


def _land_partial_tail(con, outcome: ReadOutcome, file_params, result, reasons) -> None:
    """The half line a corrupt archive ends with: blank, or quarantined as corrupt_archive."""
    tail = outcome.partial_tail or b""
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
            **file_params,
            "detail": outcome.archive_error,
            "tail": tail,
            "excerpt_chars": EXCERPT_CHARS,
            "line_number": outcome.partial_tail_line,
        },
    )


def _only(params: dict, sql: str) -> dict:
    """The named parameters a statement uses (DuckDB rejects unused ones)."""
    return {key: value for key, value in params.items() if f"${key}" in sql}
