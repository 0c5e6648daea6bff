"""The documentation gate fails `dbt build` on an undocumented or unclassified column.

The intact project passes: the `marts_build` fixture builds every model and test, these two
included, and asserts success. Here a copy of the project gets seeded violations and is
built against a copy of that warehouse.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from signalhouse.dbt import _release_warehouse
from signalhouse.warehouse import DB_ENV_VAR, PROJECT_DIR
from tests.conftest import MARTS_VARS, stored_test_failures

PROJECT_PARTS = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "analyses")
ALIASES_YML = Path("models/staging/segment/stg_segment__aliases.yml")
GROUPS_YML = Path("models/staging/segment/stg_segment__groups.yml")


def _audit_rows(db: Path, table: str) -> list[tuple] | None:
    """The failing rows a test stored; None when it stored none (it passed)."""
    return stored_test_failures(db, table, "resource, column_name, problem, fix")


def test_intact_project_has_no_documentation_problems(marts_build):
    assert marts_build.build.success
    # A passing test keeps no table of failures in audit.
    assert _audit_rows(marts_build.db, "assert_every_column_is_documented") is None
    checked = {
        attached.split(".")[-1]
        for test, attached in marts_build.build.passed_tests.items()
        if test.split(".")[2].startswith("columns_are_documented_") and attached
    }
    con = marts_build.connect()
    try:
        relations = {
            name
            for (name,) in con.execute(
                "select table_name from information_schema.tables"
                " where table_schema in ('staging', 'intermediate', 'marts')"
            ).fetchall()
        }
    finally:
        con.close()
    seeds = {path.stem for path in (PROJECT_DIR / "seeds").rglob("*.csv")}
    # Every model relation of the three layers carries the generic test.
    assert checked == relations - seeds
    assert len(checked) > 60


def _copy_project(root: Path) -> Path:
    project = root / "project"
    project.mkdir()
    for part in PROJECT_PARTS:
        source = PROJECT_DIR / part
        if source.is_dir():
            shutil.copytree(source, project / part)
        elif source.exists():
            shutil.copy(source, project / part)
    shutil.copytree(PROJECT_DIR / "tests" / "dbt", project / "tests" / "dbt")
    return project


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"{old!r} not found once in {path}"
    path.write_text(text.replace(old, new))


def _build(project: Path, db: Path, select: list[str]):
    from dbt.cli.main import dbtRunner

    previous = os.environ.get(DB_ENV_VAR)
    os.environ[DB_ENV_VAR] = str(db)
    try:
        return dbtRunner().invoke(
            [
                "build",
                "--select",
                *select,
                "--vars",
                json.dumps(MARTS_VARS),
                "--project-dir",
                str(project),
                "--profiles-dir",
                str(project),
                "--target-path",
                str(project / "target"),
                "--log-path",
                str(project / "logs"),
            ]
        )
    finally:
        _release_warehouse()
        if previous is None:
            os.environ.pop(DB_ENV_VAR, None)
        else:
            os.environ[DB_ENV_VAR] = previous


@pytest.mark.filterwarnings("ignore")
def test_build_fails_naming_each_undocumented_column(marts_build, tmp_path):
    project = _copy_project(tmp_path)
    aliases = project / ALIASES_YML
    # 1. A column without its PII class.
    _edit(
        aliases,
        "      - name: previous_id\n        description: >\n"
        "          The envelope's previousId: the old user id.\n"
        "        config: {meta: {pii: pseudonymous}}\n",
        "      - name: previous_id\n        description: >\n"
        "          The envelope's previousId: the old user id.\n",
    )
    # 2. A built column the YAML does not declare.
    _edit(
        aliases,
        "      - name: received_at\n"
        "        description: \"{{ doc('received_at') }}\"\n"
        "        config: {meta: {pii: none}}\n",
        "",
    )
    # 3. A model that no longer carries the generic test.
    _edit(project / GROUPS_YML, "      - columns_are_documented\n", "")
    db = tmp_path / marts_build.db.name  # same name: views name their catalog
    shutil.copy(marts_build.db, db)

    result = _build(project, db, ["stg_segment__aliases", "assert_every_column_is_documented"])

    assert not result.success
    failed = {
        node_result.node.name
        for node_result in result.result.results
        if str(node_result.status).lower() == "fail"
    }
    assert "assert_every_column_is_documented" in failed
    generic = [name for name in failed if re.match(r"columns_are_documented_", name)]
    assert generic, failed
    problems = _audit_rows(db, "assert_every_column_is_documented")
    assert problems == [
        (
            "stg_segment__aliases",
            "previous_id",
            "column has no PII class",
            f"set config: {{meta: {{pii: none | pseudonymous}}}} on it in {ALIASES_YML}",
        ),
        (
            "stg_segment__groups",
            None,
            "model is not checked against its built columns",
            f"add columns_are_documented to its data_tests in {GROUPS_YML}",
        ),
    ]
    assert _audit_rows(db, generic[0]) == [
        (
            "stg_segment__aliases",
            "received_at",
            "column in the relation is not declared",
            f"declare it in {ALIASES_YML} with a description and config.meta.pii"
            " (none | pseudonymous)",
        )
    ]
