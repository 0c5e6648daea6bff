"""Retention: raw and quarantined lines are kept for a number of days after they were loaded.

`apply_retention` deletes the rows of `raw.events` and `raw.quarantine` loaded (`_loaded_at`)
before the cutoff and keeps the ledger whole: per file version, the deleted lines move from
`lines_loaded` / `lines_quarantined` to `lines_expired`, so lines read = loaded + quarantined
+ blank + expired still holds (tests/dbt/raw/assert_ledger_conserves_lines.sql) and the
loaded and quarantined counts still equal the rows left. Staging is incremental: rows staged
before they expired stay staged (pseudonymized) until a full refresh, which rebuilds from
the raw rows that remain.
"""

from __future__ import annotations

from datetime import datetime, timedelta

# Added to ledgers written before retention existed; new ledgers have it from RAW_DDL.
LEDGER_COLUMN_SQL = "alter table raw.files add column if not exists lines_expired bigint default 0"


def apply_retention(con, days: int, now: datetime) -> dict:
    """Delete raw rows loaded more than `days` days before `now`; return what was deleted."""
    if days < 1:
        raise ValueError(f"retention must be at least 1 day, got {days}: pass --retention-days N")
    cutoff = now - timedelta(days=days)
    con.execute(LEDGER_COLUMN_SQL)
    con.execute("begin transaction")
    try:
        con.execute(
            """
            create or replace temp table expired as
            select _file_sha256 as sha256, 'events' as relation, count(*) as n
            from raw.events where _loaded_at < $cutoff group by all
            union all
            select _file_sha256, 'quarantine', count(*)
            from raw.quarantine where _loaded_at < $cutoff group by all
            """,
            {"cutoff": cutoff},
        )
        # The latest version of each file carries the ledger's counts of its rows.
        con.execute(
            """
            update raw.files set
                lines_loaded = lines_loaded - coalesce(per_file.events, 0),
                lines_quarantined = lines_quarantined - coalesce(per_file.quarantine, 0),
                lines_expired = lines_expired
                    + coalesce(per_file.events, 0) + coalesce(per_file.quarantine, 0)
            from (
                select
                    sha256,
                    sum(n) filter (where relation = 'events') as events,
                    sum(n) filter (where relation = 'quarantine') as quarantine
                from expired
                group by sha256
            ) as per_file
            where
                raw.files.sha256 = per_file.sha256
                and raw.files.version = (
                    select max(latest.version) from raw.files as latest
                    where latest.sha256 = per_file.sha256
                )
            """
        )
        con.execute("delete from raw.events where _loaded_at < $cutoff", {"cutoff": cutoff})
        con.execute("delete from raw.quarantine where _loaded_at < $cutoff", {"cutoff": cutoff})
        counts = dict(
            con.execute(
                "select relation, coalesce(sum(n), 0) from expired group by relation"
            ).fetchall()
        )
        files = con.execute("select count(distinct sha256) from expired").fetchone()[0]
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return {
        "days": days,
        "cutoff": cutoff.isoformat(),
        "rows_deleted": {
            "raw.events": int(counts.get("events", 0)),
            "raw.quarantine": int(counts.get("quarantine", 0)),
        },
        "files_touched": files,
    }
