"""Tenants never touch: a tenant's rows do not depend on which other tenants share the build.

Build 1 holds tenant acme alone. Build 2 holds acme, globex, and initech, a byte-for-byte
copy of acme's files with only the tenant renamed: every event id, user id, anonymous id,
device id and e-mail of acme occurs again in another tenant. If any dedup, identity merge,
session or aggregate crossed tenants, acme's rows would change (events deduplicated away,
persons merged, sessions joined, counts summed). Every relation with a tenant_id column in
staging, intermediate and marts is compared row for row (as multisets), except load
bookkeeping columns (`_`-prefixed, and which build recorded a change and when).
"""

from __future__ import annotations

import gzip
import warnings
import zlib
from pathlib import Path

import duckdb
import pytest

from ingest.loader import ingest_paths
from signalhouse.dbt import run_dbt
from signalhouse.simulator import generate

SAMPLE = {"users": 120, "days": 5, "seed": 31, "tenants": 2, "defects": "default"}
SCHEMAS = ("staging", "intermediate", "marts")
BOOKKEEPING = ("recorded_at", "change_id")


def _copy_tenant(data: Path, source: str, target: str) -> None:
    """The source tenant's files under another tenant, ids untouched, tenant renamed."""
    for path in sorted((data / f"tenant={source}").rglob("*.jsonl.gz")):
        out = data / f"tenant={target}" / path.relative_to(data / f"tenant={source}")
        out.parent.mkdir(parents=True, exist_ok=True)
        try:
            text = gzip.decompress(path.read_bytes())
        except EOFError:
            # The simulator's one cut archive: its complete lines (the cut-off one is
            # quarantined in acme and carries no event).
            text = zlib.decompressobj(wbits=31).decompress(path.read_bytes())
            text = text[: text.rfind(b"\n") + 1]
        renamed = text.replace(f'"groupId":"{source}"'.encode(), f'"groupId":"{target}"'.encode())
        out.write_bytes(gzip.compress(renamed, mtime=0))


def _build(data_paths: list[Path], db: Path) -> None:
    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings():
        patch.setenv("SIGNALHOUSE_PII_KEY", "tenant-isolation-key")
        warnings.simplefilter("ignore")
        ingest_paths(data_paths, db)
        outcome = run_dbt(["build"], db)
    assert outcome.success, (outcome.errors, outcome.failed_tests, outcome.exception)


@pytest.fixture(scope="module")
def builds(tmp_path_factory):
    root = tmp_path_factory.mktemp("tenants")
    data = root / "data"
    generate(data, **SAMPLE)
    _copy_tenant(data, "acme", "initech")
    alone, together = root / "alone.duckdb", root / "together.duckdb"
    _build([data / "tenant=acme"], alone)
    _build([data], together)
    con = duckdb.connect()
    con.execute(f"attach '{alone}' as alone (read_only)")
    con.execute(f"attach '{together}' as together (read_only)")
    yield con
    con.close()


def _relations(con) -> list[tuple[str, str, list[str]]]:
    rows = con.execute(
        """
        select table_schema, table_name, list(column_name order by ordinal_position)
        from information_schema.columns
        where table_catalog = 'alone' and table_schema in ?
        group by all
        having list_contains(list(column_name), 'tenant_id')
        order by all
        """,
        [list(SCHEMAS)],
    ).fetchall()
    return [
        (schema, name, [c for c in columns if not c.startswith("_") and c not in BOOKKEEPING])
        for schema, name, columns in rows
    ]


def test_the_copy_is_a_tenant_of_its_own(builds):
    counts = dict(
        builds.execute(
            "select tenant_id, count(*) from together.marts.fct_events group by all"
        ).fetchall()
    )
    assert set(counts) == {"acme", "globex", "initech"}
    # Nothing of the copy was deduplicated against acme, or the other way round.
    assert counts["initech"] == counts["acme"] > 1000
    persons = dict(
        builds.execute(
            "select tenant_id, count(*) from together.marts.dim_persons group by all"
        ).fetchall()
    )
    assert persons["initech"] == persons["acme"]


def test_every_row_of_a_tenant_is_the_same_whoever_shares_the_build(builds):
    relations = _relations(builds)
    names = {f"{schema}.{name}" for schema, name, _ in relations}
    assert {"marts.fct_events", "marts.fct_sessions", "marts.dim_persons"} <= names
    differing = {}
    for schema, name, columns in relations:
        listed = ", ".join(f'"{column}"' for column in columns)
        for left, right in (("alone", "together"), ("together", "alone")):
            extra = builds.execute(
                f"""
                select count(*) from (
                    select {listed} from {left}.{schema}.{name} where tenant_id = 'acme'
                    except all
                    select {listed} from {right}.{schema}.{name} where tenant_id = 'acme'
                )
                """
            ).fetchone()[0]
            if extra:
                differing[f"{schema}.{name} ({left} only)"] = extra
    assert differing == {}
    acme_rows = builds.execute(
        "select count(*) from alone.marts.fct_sessions where tenant_id = 'acme'"
    ).fetchone()[0]
    assert acme_rows > 100
