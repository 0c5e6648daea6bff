"""`signalhouse export --tenant T` writes T's rows of every tenant-keyed mart, and nothing else."""

from __future__ import annotations

import json

import duckdb
import pytest

from signalhouse.cli import EXIT_OK, EXIT_USAGE, main
from signalhouse.export import ExportUsageError, export_tenant

TENANT = "acme"


def _id_columns(con, relation: str) -> list[str]:
    return [
        name
        for (name,) in con.execute(
            "select column_name from information_schema.columns "
            "where table_schema = 'marts' and table_name = ? and column_name like '%\\_id' "
            "escape '\\' and column_name <> 'tenant_id' and data_type = 'VARCHAR'",
            [relation],
        ).fetchall()
    ]


def test_export_holds_one_tenant_and_all_of_its_mart_rows(marts_build, tmp_path):
    out = tmp_path / "export"
    result = export_tenant(marts_build.db, TENANT, out)
    assert result.files, "no mart was exported"
    assert (out / "export.json").exists()
    assert json.loads((out / "export.json").read_text())["rows"] == result.rows

    con = marts_build.connect()
    files = duckdb.connect()
    try:
        tenants = {
            row[0]
            for row in con.execute("select distinct tenant_id from marts.dim_persons").fetchall()
        }
        assert len(tenants) >= 2, "the sample needs a second tenant to prove anything"
        tenant_keyed = {
            name
            for (name,) in con.execute(
                "select table_name from information_schema.columns "
                "where table_schema = 'marts' and column_name = 'tenant_id'"
            ).fetchall()
        }
        assert set(result.files) == tenant_keyed
        other_rows = 0
        for relation, path in result.files.items():
            exported = files.execute(
                "select count(*), count(*) filter (where tenant_id is distinct from ?) "
                "from read_parquet(?)",
                [TENANT, str(path)],
            ).fetchone()
            expected = con.execute(
                f'select count(*) from marts."{relation}" where tenant_id = ?', [TENANT]
            ).fetchone()[0]
            assert exported == (expected, 0), relation
            assert result.rows[relation] == expected, relation
            other_rows += con.execute(
                f'select count(*) from marts."{relation}" where tenant_id <> ?', [TENANT]
            ).fetchone()[0]
            # No id that only another tenant has (persons, sessions, events...) is exported.
            for column in _id_columns(con, relation):
                only_others = {
                    value
                    for (value,) in con.execute(
                        f'select distinct "{column}" from marts."{relation}" '
                        f'where tenant_id <> ? and "{column}" not in ('
                        f'select "{column}" from marts."{relation}" where tenant_id = ? '
                        f'and "{column}" is not null)',
                        [TENANT, TENANT],
                    ).fetchall()
                    if value is not None
                }
                leaked = files.execute(
                    f'select count(*) from read_parquet(?) where "{column}" in '
                    "(select unnest(?::varchar[]))",
                    [str(path), sorted(only_others)],
                ).fetchone()[0]
                assert leaked == 0, f"{relation}.{column}: {leaked} ids of another tenant"
        assert other_rows > 0, "the other tenant has no mart rows: the test proves nothing"
        assert sum(result.rows.values()) > 0
    finally:
        con.close()
        files.close()


def test_export_cli_writes_csv_and_refuses_an_unknown_tenant(marts_build, tmp_path, capsys):
    out = tmp_path / "csv"
    code = main(
        [
            "export",
            "--tenant",
            TENANT,
            "--out",
            str(out),
            "--format",
            "csv",
            "--db",
            str(marts_build.db),
        ]
    )
    assert code == EXIT_OK
    persons = (
        duckdb.connect()
        .execute(
            "select count(*), count(distinct tenant_id), min(tenant_id) from read_csv(?)",
            [str(out / "dim_persons.csv")],
        )
        .fetchone()
    )
    expected = marts_build.rows(
        "select count(*) from marts.dim_persons where tenant_id = ?", [TENANT]
    )[0][0]
    assert persons == (expected, 1, TENANT)

    code = main(
        ["export", "--tenant", "nobody", "--out", str(tmp_path / "x"), "--db", str(marts_build.db)]
    )
    assert code == EXIT_USAGE
    assert "tenants present: " in capsys.readouterr().err
    with pytest.raises(ExportUsageError, match="--format"):
        export_tenant(marts_build.db, TENANT, tmp_path / "y", "xlsx")
