"""The ledger: idempotent re-runs, new versions, corrupt archives and conservation."""

from __future__ import annotations

import gzip
import json
import shutil
import zlib

import duckdb

from ingest.files import ReadOutcome, read_chunks
from ingest.loader import _Budget, ingest_paths
from signalhouse.warehouse import MEMORY_LIMIT_ENV_VAR
from tests.ingest.conftest import line, rows, write_lines

STATE_SQL = {
    "events": "select * exclude (_load_id, _loaded_at) from raw.events order by all",
    "quarantine": "select * exclude (_load_id, _loaded_at) from raw.quarantine order by all",
    "files": "select * exclude (load_id, started_at, finished_at) from raw.files order by all",
}


def state(db):
    return {table: rows(db, sql) for table, sql in STATE_SQL.items()}


def test_reingesting_the_same_bytes_changes_nothing(tmp_path, db):
    folder = tmp_path / "in"
    write_lines(folder / "a.jsonl", [line(messageId=f"a{i}") for i in range(50)])
    write_lines(folder / "b.jsonl.gz", [line(messageId=f"b{i}") for i in range(50)], compress=True)
    ingest_paths([folder], db)
    before = state(db)

    again = ingest_paths([folder], db)

    assert [result.status for result in again.files] == ["skipped", "skipped"]
    assert state(db) == before


def test_a_renamed_copy_is_skipped_and_a_changed_file_is_a_new_version(tmp_path, db):
    first = write_lines(tmp_path / "in" / "a.jsonl", [line(messageId="a1")])
    ingest_paths([first], db)
    renamed = tmp_path / "elsewhere" / "renamed.jsonl"
    renamed.parent.mkdir()
    shutil.copy(first, renamed)
    assert ingest_paths([renamed], db).files[0].status == "skipped"

    write_lines(first, [line(messageId="a1"), line(messageId="a2")])
    changed = ingest_paths([first], db).files[0]

    assert changed.status == "loaded"
    assert rows(db, "select version, lines_loaded from raw.files order by version") == [
        (1, 1),
        (2, 2),
    ]
    # Both versions' rows stay in raw; event-level dedup in staging keeps counts exact.
    assert rows(db, "select count(*), count(distinct message_id) from raw.events") == [(3, 2)]


def test_ledger_records_counts_by_reason_and_conserves_every_line(tmp_path, db):
    lines = [line(messageId="ok"), b"", b"not json", b"[1]", line(type="trak")]
    source = write_lines(tmp_path / "f.jsonl", lines)
    ingest_paths([source], db)
    (ledger,) = rows(
        db,
        "select lines_read, lines_loaded, lines_quarantined, lines_blank, "
        "quarantined_by_reason, status, bytes, is_compressed from raw.files",
    )
    read, loaded, quarantined, blank, by_reason, status, size, compressed = ledger
    assert (read, loaded, quarantined, blank) == (5, 1, 3, 1)
    assert read == loaded + quarantined + blank
    assert json.loads(by_reason) == {"not_an_object": 1, "not_json": 1, "unknown_type": 1}
    assert (status, size, compressed) == ("loaded", source.stat().st_size, False)


def test_a_gzip_stream_cut_short_loads_complete_lines_and_says_so(tmp_path, db):
    lines = [line(messageId=f"m{i}", properties={"i": i}) for i in range(3000)]
    data = gzip.compress(b"\n".join(lines) + b"\n", mtime=0)
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(data[: len(data) // 2])
    # What a careful reader recovers from the same bytes: complete lines before the break.
    recovered = zlib.decompressobj(wbits=31).decompress(data[: len(data) // 2])
    complete = recovered.count(b"\n")

    result = ingest_paths([cut], db).files[0]

    assert result.status == "corrupt_archive"
    assert "cut short" in result.status_detail and "re-export" in result.status_detail
    assert result.lines_loaded == complete
    assert result.quarantined_by_reason == {"corrupt_archive": 1}
    assert result.lines_read == complete + 1
    assert rows(db, "select status from raw.files") == [("corrupt_archive",)]
    assert rows(db, "select is_recoverable, _line_number from raw.quarantine") == [
        (True, complete + 1)
    ]


def test_a_file_named_gz_that_is_not_gzip_is_a_corrupt_archive(tmp_path, db):
    fake = write_lines(tmp_path / "fake.jsonl.gz", [line()])
    result = ingest_paths([fake], db).files[0]
    assert (result.status, result.lines_read) == ("corrupt_archive", 0)
    assert "not a gzip stream" in result.status_detail


def test_concatenated_gzip_members_are_one_valid_file(tmp_path, db):
    first = gzip.compress(line(messageId="m1") + b"\n", mtime=0)
    second = gzip.compress(line(messageId="m2") + b"\n" + line(messageId="m3"), mtime=0)
    path = tmp_path / "multi.jsonl.gz"
    path.write_bytes(first + second)
    result = ingest_paths([path], db).files[0]
    assert (result.status, result.lines_loaded) == ("loaded", 3)


def test_an_empty_file_is_recorded_with_zero_lines(tmp_path, db):
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    result = ingest_paths([empty], db).files[0]
    assert (result.status, result.lines_read) == ("loaded", 0)
    assert rows(db, "select lines_read from raw.files") == [(0,)]


def test_a_last_line_without_newline_is_still_a_line(tmp_path, db):
    path = tmp_path / "f.jsonl"
    path.write_bytes(line(messageId="m1") + b"\n" + line(messageId="m2"))
    assert ingest_paths([path], db).files[0].lines_loaded == 2


def test_large_files_are_cut_into_chunks_without_losing_lines(tmp_path, db, monkeypatch):
    import ingest.loader as loader

    monkeypatch.setattr(loader, "PREFETCH_MAX_BYTES", 0)
    monkeypatch.setattr("ingest.files.CHUNK_BYTES", 4096)
    monkeypatch.setattr("ingest.files.READ_BYTES", 1000)
    lines = [line(messageId=f"m{i}") for i in range(500)]
    lines[321] = b"{broken"
    path = write_lines(tmp_path / "f.jsonl", lines)
    chunks = list(read_chunks(path, ReadOutcome()))
    assert len(chunks) > 5
    assert [chunk.first_line for chunk in chunks[1:]] == [
        chunk.first_line + chunk.table.num_rows for chunk in chunks[:-1]
    ]
    result = ingest_paths([path], db).files[0]
    assert (result.lines_read, result.lines_loaded) == (500, 499)
    assert rows(db, "select _line_number from raw.quarantine") == [(322,)]
    assert rows(db, "select min(_line_number), max(_line_number) from raw.events") == [(1, 500)]


def test_the_python_side_budget_is_a_share_of_duckdbs_memory_limit():
    con = duckdb.connect(config={"memory_limit": "1GiB"})
    assert _Budget.within(con) == _Budget(ahead_bytes=32 << 20, batch_bytes=128 << 20)
    con.execute("set memory_limit = '64GiB'")
    assert _Budget.within(con) == _Budget()  # large limits keep the fixed sizes


def test_under_a_memory_limit_batches_shrink_and_land_the_same_rows(tmp_path, monkeypatch):
    pad = {"pad": "x" * 400}
    for n in range(12):
        lines = [line(messageId=f"m{n}-{i}", properties=pad) for i in range(2_000)]
        write_lines(tmp_path / "in" / f"f{n:02}.jsonl", lines)  # about 1 MB each
    unlimited, limited = tmp_path / "unlimited.duckdb", tmp_path / "limited.duckdb"
    ingest_paths([tmp_path / "in"], unlimited)
    # 256 MiB keeps DuckDB itself comfortable; smaller shares than the real ones make the
    # batches 4 MiB and the read-ahead 1 MiB, so that 12 MB of input is several batches.
    monkeypatch.setattr("ingest.loader.BATCH_SHARE_OF_LIMIT", 1 / 64)
    monkeypatch.setattr("ingest.loader.PREFETCH_SHARE_OF_LIMIT", 1 / 256)
    monkeypatch.setenv(MEMORY_LIMIT_ENV_VAR, "256MiB")
    ingest_paths([tmp_path / "in"], limited)
    assert state(limited) == state(unlimited)
    batches = "select count(distinct started_at) from raw.files"
    assert rows(unlimited, batches) == [(1,)]
    assert rows(limited, batches)[0][0] >= 3
