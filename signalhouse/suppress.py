"""`signalhouse suppress`: the customer's suppression list, applied at every later ingest.

Each entry says an identifier (user id or anonymous id) of a tenant may not be analysed from a
time on. Only the identifier's keyed hash is stored (`raw.consent_suppressions`, source
`suppression_list`), exactly as ingest hashes the ids it lands, so later lines of that id
timed after `suppressed_from` are dropped at ingest as `consent_suppressed`. Rows already
loaded are not touched: `signalhouse erase` removes a person's past data.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ingest import landing
from ingest.pii import hmac_pads, pii_key
from signalhouse.warehouse import connect

IDENTIFIER_TYPES = ("user_id", "anonymous_id")
# An entry without a start suppresses every line of the identifier.
SINCE_ALWAYS = datetime(1970, 1, 1, tzinfo=UTC)
CSV_COLUMNS = ("tenant_id", "identifier_type", "identifier", "suppressed_from")


class SuppressionError(ValueError):
    """An entry of the suppression list cannot be used; the message says which and why."""


@dataclass(frozen=True)
class Suppression:
    tenant_id: str
    identifier_type: str
    identifier: str
    suppressed_from: datetime = SINCE_ALWAYS


def parse_time(text: str | None, where: str) -> datetime:
    if not text:
        return SINCE_ALWAYS
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError as exc:
        raise SuppressionError(
            f"{where}: suppressed_from {text!r} is not an ISO 8601 time (2026-10-12T08:00:00Z)"
        ) from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def read_csv(path: Path) -> list[Suppression]:
    """Entries of a CSV with a header tenant_id,identifier_type,identifier[,suppressed_from]."""
    with open(path, newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in CSV_COLUMNS[:3] if c not in (reader.fieldnames or [])]
        if missing:
            raise SuppressionError(
                f"{path}: the header lacks {', '.join(missing)}; expected "
                f"{','.join(CSV_COLUMNS)} (suppressed_from optional)"
            )
        entries = []
        for number, row in enumerate(reader, start=2):
            where = f"{path}, line {number}"
            entries.append(
                validated(
                    Suppression(
                        (row["tenant_id"] or "").strip(),
                        (row["identifier_type"] or "").strip(),
                        (row["identifier"] or "").strip(),
                        parse_time((row.get("suppressed_from") or "").strip(), where),
                    ),
                    where,
                )
            )
    return entries


def validated(entry: Suppression, where: str) -> Suppression:
    if not entry.tenant_id or not entry.identifier:
        raise SuppressionError(f"{where}: tenant_id and identifier must not be empty")
    if entry.identifier_type not in IDENTIFIER_TYPES:
        raise SuppressionError(
            f"{where}: identifier_type {entry.identifier_type!r} is not one of "
            + ", ".join(IDENTIFIER_TYPES)
        )
    return entry


def add_suppressions(db_path: Path, entries: list[Suppression]) -> int:
    """Store the entries' hashes (once each); return how many were new."""
    con = connect(db_path)
    try:
        con.execute(landing.RAW_DDL)
        con.execute(landing.macros_sql(*hmac_pads(pii_key())))
        before = con.execute("select count(*) from raw.consent_suppressions").fetchone()[0]
        recorded_at = datetime.now(UTC)
        con.executemany(
            """
            insert into raw.consent_suppressions
            select $tenant, $kind, sh_pii_hash(sh_scrub($identifier)), $since, null,
                'suppression_list', $recorded_at
            where not exists (
                select 1 from raw.consent_suppressions
                where tenant_id = $tenant
                    and identifier_hash = sh_pii_hash(sh_scrub($identifier))
                    and suppressed_from = $since
                    and source = 'suppression_list'
            )
            """,
            [
                {
                    "tenant": entry.tenant_id,
                    "kind": entry.identifier_type,
                    "identifier": entry.identifier,
                    "since": entry.suppressed_from,
                    "recorded_at": recorded_at,
                }
                for entry in entries
            ],
        )
        after = con.execute("select count(*) from raw.consent_suppressions").fetchone()[0]
    finally:
        con.close()
    return after - before
