"""Erase a person: a tombstone, then every row that names them, then the aggregates rebuilt.

`erase(db, tenant, user_id=..., anonymous_id=..., email=...)`:

1. Finds the person(s) the given identifier belongs to in `marts.dim_identity_map` and
   collects every identifier of theirs (user and previous ids, anonymous ids, device ids,
   e-mail hashes), in the form the warehouse stores them (personal values already hashed).
2. Writes one tombstone per identifier to `raw.tombstones` (its keyed hash only), so every
   later ingest drops the person's lines (reason `erased`): re-loading old files never
   brings them back.
3. In one transaction: moves the person's raw events to `raw.quarantine` as `erased` rows that
   keep only their place in the ledger (file, line), blanks the text of quarantined lines
   that name them, and deletes every row that names them from every table of `staging`,
   `intermediate`, `marts` and `audit` (stored test failures): rows of their person ids,
   of their events, or holding one of their identifiers in any text or JSON column.
4. Runs `dbt build`, which recomputes every aggregate from what is left, checks that no
   relation still names them, and rewrites the file (a DuckDB file keeps deleted values in
   freed blocks until it is rewritten).
5. Redacts the artifacts of earlier runs that can quote rows: a failed expectation lists up
   to 20 unexpected values (person ids, identifiers) in the GX results, the Data Docs, the
   run's expectations.json and manifest.json (runs/<run id>/ beside the warehouse) and the
   manifest JSON in `audit.run_manifests`; each of the person's identifiers and person ids
   there becomes `[erased]` (the run's row and files stay, so the history stays whole).

An identifier given but not found still gets its tombstone (a request may come before the
data). A shared device's anonymous id goes with the person the identity map gave it to.
"""

from __future__ import annotations

import json
import os
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from ingest import landing
from ingest.pii import hmac_pads, normalize_email, pii_key
from signalhouse.dbt import run_dbt
from signalhouse.warehouse import connect

ERASED_SCHEMAS = ("staging", "intermediate", "marts", "audit")
TEXT_TYPES = ("VARCHAR", "JSON")
# Columns whose values are not identifiers: skipping them keeps the scan cheap.
NOT_IDENTIFIERS = ("tenant_id", "event_type", "event_name", "platform", "timestamp_source")
MIN_SEARCHED_LENGTH = 8
REDACTED = "[erased]"
# Files of earlier runs that can quote rows (failed expectations list unexpected values).
ARTIFACT_SUFFIXES = (".json", ".html")


class ErasureError(RuntimeError):
    """Erasure could not complete; the message says what to do."""


@dataclass
class ErasureResult:
    request_id: str
    tenant: str
    person_ids: list[str]
    identifiers: int
    raw_events_erased: int
    rows_deleted: dict[str, int] = field(default_factory=dict)
    rebuilt: bool = False
    artifacts_redacted: list[Path] = field(default_factory=list)


def erase(
    db_path: Path,
    tenant: str,
    *,
    user_id: str | None = None,
    anonymous_id: str | None = None,
    email: str | None = None,
    rebuild: bool = True,
    gx_root: Path | None = None,
) -> ErasureResult:
    if not any((user_id, anonymous_id, email)):
        raise ValueError("give at least one of --user-id, --anonymous-id, --email")
    request_id = datetime.now(UTC).strftime("erase-%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:8]
    con = connect(db_path)
    try:
        con.execute(landing.RAW_DDL)
        con.execute(landing.macros_sql(*hmac_pads(pii_key())))
        given = _given_identifiers(con, user_id, anonymous_id, email)
        person_ids, identifiers = _person_identifiers(con, tenant, given)
        matcher = _prepare_matching(con, person_ids, identifiers)
        con.execute("begin transaction")
        try:
            _write_tombstones(con, tenant, identifiers, request_id)
            _redact_run_manifests(con, person_ids, identifiers)
            erased_events = _erase_raw(con, tenant, identifiers, matcher)
            rows_deleted = _erase_relations(con, tenant, matcher)
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    finally:
        con.close()
    result = ErasureResult(
        request_id, tenant, person_ids, len(identifiers), erased_events, rows_deleted
    )
    if rebuild:
        outcome = run_dbt(["build"], db_path)
        if not outcome.success:
            raise ErasureError(
                "the person's rows are deleted and tombstoned, but the rebuild failed: "
                f"{outcome.errors or outcome.failed_tests or outcome.exception}; "
                "fix the build and run `signalhouse build` to recompute the aggregates"
            )
        result.rebuilt = True
        remaining = remaining_rows(db_path, tenant, person_ids, identifiers)
        if remaining:
            raise ErasureError(
                f"rows still name the erased person after the rebuild: {remaining}; "
                "this is a bug in Signalhouse, please report it with this message"
            )
    _compact(db_path)
    result.artifacts_redacted = redact_artifacts(
        _artifact_files(db_path, gx_root), person_ids, identifiers
    )
    return result


def _redacted_values(person_ids: list[str], identifiers) -> tuple[list[str], list[str]]:
    """Values replaced anywhere in text (long) and only as whole JSON strings (short)."""
    values = sorted({value for _, value in identifiers} | set(person_ids))
    return (
        [value for value in values if len(value) >= MIN_SEARCHED_LENGTH],
        [value for value in values if len(value) < MIN_SEARCHED_LENGTH],
    )


def _redact_run_manifests(con, person_ids: list[str], identifiers) -> None:
    """Rewrite the manifests that quote the person instead of deleting the runs' rows."""
    if not _relation_exists(con, "audit", "run_manifests"):
        return
    long_values, short_values = _redacted_values(person_ids, identifiers)
    manifests = con.execute("select run_id, manifest::varchar from audit.run_manifests")
    for run_id, manifest in manifests.fetchall():
        redacted = _redact_text(manifest, long_values, short_values)
        if redacted != manifest:
            con.execute(
                "update audit.run_manifests set manifest = ?::json where run_id = ?",
                [redacted, run_id],
            )


def _redact_text(text: str, long_values: list[str], short_values: list[str]) -> str:
    if long_values:
        text = re.sub("|".join(re.escape(value) for value in long_values), REDACTED, text)
    for value in short_values:
        text = text.replace(json.dumps(value), json.dumps(REDACTED))
    return text


def _artifact_files(db_path: Path, gx_root: Path | None) -> list[Path]:
    from signalhouse.check import GX_ROOT

    roots = [db_path.parent / "runs", (gx_root or GX_ROOT) / "gx" / "uncommitted"]
    found = [db_path.parent / "report.html"]
    found += [path for root in roots if root.exists() for path in root.rglob("*")]
    return [path for path in found if path.is_file() and path.suffix in ARTIFACT_SUFFIXES]


def redact_artifacts(files: list[Path], person_ids: list[str], identifiers) -> list[Path]:
    """Replace the person's identifiers in run artifacts; return the files changed."""
    long_values, short_values = _redacted_values(person_ids, identifiers)
    changed = []
    for path in files:
        text = path.read_text(encoding="utf-8", errors="surrogateescape")
        redacted = _redact_text(text, long_values, short_values)
        if redacted != text:
            path.write_text(redacted, encoding="utf-8", errors="surrogateescape")
            changed.append(path)
    return changed


def _compact(db_path: Path) -> None:
    """Rewrite the file: deleted rows linger in freed blocks of a DuckDB file until then."""
    work = db_path.with_name(db_path.name + ".compacting")
    work.unlink(missing_ok=True)
    con = duckdb.connect()
    try:
        con.execute(f"attach '{db_path}' as erase_source (read_only)")
        con.execute(f"attach '{work}' as erase_target")
        con.execute("copy from database erase_source to erase_target")
    finally:
        con.close()
    os.replace(work, db_path)


def _given_identifiers(con, user_id, anonymous_id, email) -> list[tuple[str, str]]:
    """The given identifiers in the form the warehouse stores them (as ingest scrubs them)."""
    given = []
    if user_id:
        stored = con.execute("select sh_scrub(?)", [user_id]).fetchone()[0]
        given += [("user_id", stored), ("previous_id", stored)]
    if anonymous_id:
        stored = con.execute("select sh_scrub(?)", [anonymous_id]).fetchone()[0]
        given.append(("anonymous_id", stored))
    if email:
        hashed = con.execute("select sh_pii_hash(?)", [normalize_email(email)]).fetchone()[0]
        given.append(("email_hash", hashed))
    return given


def _relation_exists(con, schema: str, name: str) -> bool:
    found = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, name],
    ).fetchone()[0]
    return found > 0


def _person_identifiers(
    con, tenant: str, given: list[tuple[str, str]]
) -> tuple[list[str], list[tuple[str, str]]]:
    if not _relation_exists(con, "marts", "dim_identity_map"):
        return [], sorted(set(given))
    con.execute(
        "create or replace temp table erase_given (identifier_type varchar, identifier varchar)"
    )
    con.executemany("insert into erase_given values (?, ?)", given)
    person_ids = [
        row[0]
        for row in con.execute(
            """
            select distinct map.person_id
            from marts.dim_identity_map as map
            inner join erase_given
                on map.identifier_type = erase_given.identifier_type
                and map.identifier = erase_given.identifier
            where map.tenant_id = ?
            order by 1
            """,
            [tenant],
        ).fetchall()
    ]
    mapped = con.execute(
        """
        select distinct identifier_type, identifier
        from marts.dim_identity_map
        where tenant_id = ? and list_contains(?, person_id)
        """,
        [tenant, person_ids],
    ).fetchall()
    return person_ids, sorted(set(given) | set(mapped))


def _write_tombstones(con, tenant: str, identifiers, request_id: str) -> None:
    erased_at = datetime.now(UTC)
    con.executemany(
        """
        insert into raw.tombstones
        select ?, ?, sh_pii_hash(?), ?, ?
        where not exists (
            select 1 from raw.tombstones
            where tenant_id = ? and identifier_hash = sh_pii_hash(?)
        )
        """,
        [
            [tenant, kind, value, request_id, erased_at, tenant, value]
            for kind, value in identifiers
        ],
    )


def _erase_raw(con, tenant: str, identifiers, matcher) -> int:
    """Move the person's raw events to quarantine as `erased`; fix the ledger to match."""
    values = sorted({value for _, value in identifiers})
    con.execute(
        "create or replace temp table erase_values as select unnest(?::varchar[]) as v", [values]
    )
    con.execute(
        """
        create or replace temp table erase_raw_rows as
        select _source_file, _line_number, _file_sha256, _load_id, _loaded_at, message_id
        from raw.events
        where tenant_id = $tenant
            and (user_id in (select v from erase_values)
                or anonymous_id in (select v from erase_values)
                or previous_id in (select v from erase_values))
        """,
        {"tenant": tenant},
    )
    con.execute(
        """
        create or replace temp table erase_message_ids as
        select distinct message_id from erase_raw_rows
        """
    )
    con.execute(
        """
        insert into raw.quarantine
        select
            $tenant, 'erased',
            'the person was erased (signalhouse erase); nothing of the line is kept',
            null, 0, false, null, _source_file, _line_number, _file_sha256, _load_id,
            _loaded_at
        from erase_raw_rows
        """,
        {"tenant": tenant},
    )
    con.execute(
        """
        delete from raw.events
        where (_file_sha256, _line_number) in (
            select (_file_sha256, _line_number) from erase_raw_rows
        )
        """
    )
    # Quarantined lines that name them keep their reason and place, not their text.
    pattern, short_values = matcher
    terms = [f"regexp_matches(excerpt, {pattern})"] if pattern else []
    if short_values:
        terms.append(
            "exists (select 1 from erase_short_values where contains(excerpt, '\"' || v || '\"'))"
        )
    if terms:
        con.execute(
            f"""
            update raw.quarantine set excerpt = null, message_id = null
            where tenant_id = $tenant and excerpt is not null and ({" or ".join(terms)})
            """,
            {"tenant": tenant},
        )
    moved = con.execute("select _file_sha256, count(*) from erase_raw_rows group by all").fetchall()
    for sha256, count in moved:
        version = con.execute(
            "select rowid, quarantined_by_reason from raw.files where sha256 = ? "
            "order by version desc limit 1",
            [sha256],
        ).fetchone()
        if version is None:
            continue
        reasons = json.loads(version[1])
        reasons["erased"] = reasons.get("erased", 0) + count
        con.execute(
            """
            update raw.files set
                lines_loaded = lines_loaded - ?,
                lines_quarantined = lines_quarantined + ?,
                quarantined_by_reason = ?
            where rowid = ?
            """,
            [count, count, json.dumps(dict(sorted(reasons.items()))), version[0]],
        )
    return sum(count for _, count in moved)


def _text_columns(con, schema: str, table: str) -> list[tuple[str, str]]:
    return con.execute(
        """
        select column_name, data_type
        from information_schema.columns
        where table_schema = ? and table_name = ?
        order by ordinal_position
        """,
        [schema, table],
    ).fetchall()


def _identifier_matcher(identifiers) -> tuple[str | None, list[str]]:
    """A regexp literal for identifiers long enough to search inside text (hashes, UUIDs,
    user ids of 8+ characters: they also hide in URLs and payloads), and the short ones,
    matched only as whole values (a short id like "42" occurs inside unrelated text)."""
    values = sorted({value for _, value in identifiers})
    long_values = [value for value in values if len(value) >= MIN_SEARCHED_LENGTH]
    short_values = [value for value in values if len(value) < MIN_SEARCHED_LENGTH]
    if not long_values:
        return None, short_values
    pattern = "|".join(re.escape(value) for value in long_values)
    return "'" + pattern.replace("'", "''") + "'", short_values


def _naming_predicate(columns: list[tuple[str, str]], matcher) -> str | None:
    """SQL true for a row that names the person (temp tables erase_* in scope)."""
    pattern, short_values = matcher
    names = {name for name, _ in columns}
    terms = [
        f"{name} in (select person_id from erase_person_ids)"
        for name in ("person_id", "previous_person_id")
        if name in names
    ]
    if "event_id" in names:
        terms.append("event_id in (select message_id from erase_message_ids)")
    for name, data_type in columns:
        if name in NOT_IDENTIFIERS or data_type not in TEXT_TYPES:
            continue
        if pattern is not None:
            terms.append(f'regexp_matches("{name}"::varchar, {pattern})')
        if short_values and data_type == "VARCHAR":
            terms.append(f'"{name}" in (select v from erase_short_values)')
    return " or ".join(terms) if terms else None


def _prepare_matching(con, person_ids: list[str], identifiers) -> tuple[str | None, list[str]]:
    matcher = _identifier_matcher(identifiers)
    con.execute(
        "create or replace temp table erase_person_ids as select unnest(?::varchar[]) as person_id",
        [person_ids],
    )
    con.execute(
        "create or replace temp table erase_short_values as select unnest(?::varchar[]) as v",
        [matcher[1]],
    )
    con.execute("create temp table if not exists erase_message_ids (message_id varchar)")
    return matcher


def _tenant_scope(columns: list[tuple[str, str]], tenant: str) -> tuple[str, dict]:
    """Rows of the tenant where the relation has a tenant_id; else every row (audit)."""
    if any(name == "tenant_id" for name, _ in columns):
        return "tenant_id = $tenant and ", {"tenant": tenant}
    return "", {}


def _erase_relations(con, tenant: str, matcher) -> dict[str, int]:
    return _rows_naming_person(con, tenant, matcher, ERASED_SCHEMAS, "delete from", "BASE TABLE")


def _rows_naming_person(
    con, tenant: str, matcher, schemas, statement: str, table_type: str | None = None
) -> dict[str, int]:
    """Run `<statement> <relation> where <names the person>` on every relation of the
    schemas (of one table type, or all) and return the non-zero counts by relation."""
    counts = {}
    relations = con.execute(
        """
        select table_schema, table_name
        from information_schema.tables
        where list_contains(?, table_schema) and (? is null or table_type = ?)
        order by all
        """,
        [list(schemas), table_type, table_type],
    ).fetchall()
    for schema, table in relations:
        columns = _text_columns(con, schema, table)
        predicate = _naming_predicate(columns, matcher)
        if predicate is None:
            continue
        scope, params = _tenant_scope(columns, tenant)
        count = con.execute(
            f'{statement} "{schema}"."{table}" where {scope}({predicate})', params
        ).fetchone()[0]
        if count:
            counts[f"{schema}.{table}"] = count
    return counts


def remaining_rows(
    db_path: Path, tenant: str, person_ids: list[str], identifiers
) -> dict[str, int]:
    """Relations (tables and views, raw included) with rows that still name the person."""
    con = connect(db_path, read_only=True)
    try:
        matcher = _prepare_matching(con, person_ids, identifiers)
        return _rows_naming_person(
            con, tenant, matcher, ["raw", *ERASED_SCHEMAS], "select count(*) from"
        )
    finally:
        con.close()
