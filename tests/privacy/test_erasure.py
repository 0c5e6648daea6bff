"""Erasure sticks: after `erase`, nothing names the person, re-ingesting never brings them back,
and the marts equal a build from inputs that never held them."""

from __future__ import annotations

import gzip
import json
import warnings
import zlib
from pathlib import Path

import duckdb
import pytest

from ingest.loader import ingest_paths
from signalhouse.dbt import run_dbt
from signalhouse.erase import erase, remaining_rows
from signalhouse.simulator import generate

PII_KEY = "erasure-test-key"
SAMPLE = {"users": 90, "days": 7, "seed": 43, "tenants": 1, "defects": "default"}
TENANT = "acme"
# Load bookkeeping differs between any two builds; the identity change log is history.
BOOKKEEPING = ("recorded_at", "change_id")
SKIPPED = ("fct_identity_changes",)


def _run(action):
    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings():
        patch.setenv("SIGNALHOUSE_PII_KEY", PII_KEY)
        warnings.simplefilter("ignore")
        return action()


def _build(db: Path, *args: str) -> None:
    outcome = _run(lambda: run_dbt(["build", *args], db))
    assert outcome.success, (outcome.errors, outcome.failed_tests, outcome.exception)


def _read(path: Path) -> bytes:
    try:
        return gzip.decompress(path.read_bytes())
    except EOFError:
        return zlib.decompressobj(wbits=31).decompress(path.read_bytes())


def _choose_person(db: Path, truth: dict) -> dict:
    """A signed-up person with events on several days, sessions, e-mails and an exposure,
    and no device shared with anyone."""
    shared = {s["anonymous_id"] for s in truth["tenants"][TENANT]["shared_anonymous_ids"]}
    con = duckdb.connect(str(db), read_only=True)
    try:
        rich = {
            user_id
            for (user_id,) in con.execute(
                """
                select persons.user_id
                from marts.dim_persons as persons
                inner join marts.fct_events as events
                    on persons.tenant_id = events.tenant_id
                    and persons.person_id = events.person_id
                where persons.user_id is not null
                group by all
                having count(distinct events.event_at::date) >= 3
                    and count(distinct events.session_id) >= 2
                    and count(*) filter (where events.event_name like 'Email %') > 0
                    and count(*) filter (where events.event_name = 'Experiment Exposure') > 0
                """
            ).fetchall()
        }
    finally:
        con.close()
    candidates = [
        person
        for person in truth["tenants"][TENANT]["persons"]
        if person["user_id"] in rich
        and person["emails"]
        and len(person["anonymous_ids"]) >= 2
        and not shared & set(person["anonymous_ids"])
    ]
    assert candidates, "the sample has no person rich enough to erase"
    return sorted(candidates, key=lambda person: person["user_id"])[0]


def _clear_values(person: dict) -> list[str]:
    values = [person["user_id"], *person["previous_ids"], *person["anonymous_ids"]]
    return [*values, *person["device_ids"], *person["emails"]]


def _stored_values(db: Path, person_ids: list[str]) -> list[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return [
            value
            for (value,) in con.execute(
                "select distinct identifier from marts.dim_identity_map "
                "where list_contains(?, person_id)",
                [person_ids],
            ).fetchall()
        ]
    finally:
        con.close()


def _rows_naming(db: Path, values: list[str]) -> dict[str, int]:
    """Brute force, independent of erase's own check: every text or JSON column of every
    relation in every schema, searched for every value as a substring."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        columns = con.execute(
            """
            select table_schema, table_name, column_name
            from information_schema.columns
            where data_type in ('VARCHAR', 'JSON')
                and table_schema not in ('information_schema', 'pg_catalog')
            """
        ).fetchall()
        found = {}
        for schema, table, column in columns:
            count = con.execute(
                f'select count(*) from "{schema}"."{table}" '
                f'where list_bool_or(list_transform(?, v -> contains("{column}"::varchar, v)))',
                [values],
            ).fetchone()[0]
            if count:
                found[f"{schema}.{table}.{column}"] = count
        return found
    finally:
        con.close()


@pytest.fixture(scope="module")
def erased(tmp_path_factory):
    root = tmp_path_factory.mktemp("erasure")
    data = root / "data"
    result = generate(data, **SAMPLE)
    truth = json.loads(result.truth_path.read_text())
    db = root / "warehouse.duckdb"
    _run(lambda: ingest_paths([data], db))
    _build(db)
    person = _choose_person(db, truth)
    con = duckdb.connect(str(db), read_only=True)
    try:
        person_ids = [
            row[0]
            for row in con.execute(
                "select person_id from marts.dim_identity_map "
                "where identifier_type = 'user_id' and identifier = ?",
                [person["user_id"]],
            ).fetchall()
        ]
    finally:
        con.close()
    # The forms the warehouse stored (e-mail hashes, device ids), searched for afterwards.
    stored = _stored_values(db, person_ids)
    outcome = _run(lambda: erase(db, TENANT, user_id=person["user_id"]))
    return root, data, db, person, outcome, stored


def test_erase_finds_the_person_and_removes_their_rows(erased):
    _, _, db, person, outcome, _ = erased
    assert len(outcome.person_ids) == 1
    assert outcome.identifiers >= 4
    assert outcome.raw_events_erased > 50
    assert outcome.rebuilt
    assert outcome.rows_deleted["marts.fct_events"] > 50


def test_nothing_names_the_erased_person(erased):
    _, _, db, person, outcome, stored = erased
    # Their ids in clear, and the forms the warehouse stored (e-mail hashes, device ids).
    values = _clear_values(person) + [value for value in stored if len(value) >= 8]
    assert _rows_naming(db, values) == {}
    # Not even in the file's freed blocks.
    content = db.read_bytes()
    assert [value for value in values if value.encode() in content] == []
    assert remaining_rows(db, TENANT, outcome.person_ids, [("v", v) for v in values]) == {}


def test_re_ingesting_everything_never_brings_them_back(erased, tmp_path):
    root, data, db, person, outcome, _ = erased
    con = duckdb.connect(str(db))
    try:
        for table in ("events", "quarantine", "files"):
            con.execute(f"delete from raw.{table}")
    finally:
        con.close()
    summary = _run(lambda: ingest_paths([data], db))
    assert summary.total("lines_loaded") > 0
    _build(db, "--full-refresh")
    assert _rows_naming(db, _clear_values(person)) == {}
    erased_lines = duckdb.connect(str(db), read_only=True)
    try:
        count = erased_lines.execute(
            "select count(*) from raw.quarantine where reason = 'erased'"
        ).fetchone()[0]
    finally:
        erased_lines.close()
    assert count >= outcome.raw_events_erased
    # The marts equal a build from files that never held the person's lines.
    clean = tmp_path / "clean"
    needles = [value.encode() for value in _clear_values(person)[: -len(person["emails"])]]
    for path in sorted(data.rglob("*.jsonl.gz")):
        kept = b"".join(
            line
            for line in _read(path).splitlines(keepends=True)
            if not any(needle in line for needle in needles)
        )
        out = clean / path.relative_to(data)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(gzip.compress(kept, mtime=0))
    clean_db = tmp_path / "clean.duckdb"
    _run(lambda: ingest_paths([clean], clean_db))
    _build(clean_db)
    con = duckdb.connect()
    try:
        con.execute(f"attach '{db}' as erased (read_only)")
        con.execute(f"attach '{clean_db}' as clean (read_only)")
        relations = con.execute(
            """
            select columns.table_name, list(columns.column_name order by ordinal_position)
            from information_schema.columns as columns
            inner join information_schema.tables as tables
                on columns.table_catalog = tables.table_catalog
                and columns.table_schema = tables.table_schema
                and columns.table_name = tables.table_name
            where columns.table_catalog = 'erased' and columns.table_schema = 'marts'
                and tables.table_type = 'BASE TABLE'
            group by all
            order by all
            """
        ).fetchall()
        differing = {}
        for table, columns in relations:
            if table in SKIPPED:
                continue
            listed = ", ".join(
                f'"{c}"' for c in columns if not c.startswith("_") and c not in BOOKKEEPING
            )
            for left, right in (("erased", "clean"), ("clean", "erased")):
                extra = con.execute(
                    f"select count(*) from (select {listed} from {left}.marts.{table} "
                    f"except all select {listed} from {right}.marts.{table})"
                ).fetchone()[0]
                if extra:
                    differing[f"{table} ({left} only)"] = extra
    finally:
        con.close()
    assert differing == {}
