"""The run manifest: what one nightly run read, ran and produced, as JSON and as a table.

`audit.run_manifests` holds one row per run with the headline numbers and the whole
manifest as JSON. It is written into the working copy before publishing, so the published
warehouse lists every run it went through, and a failed copy says why it failed.
"""

from __future__ import annotations

import json
import subprocess
from importlib import metadata
from pathlib import Path

from signalhouse import __version__
from signalhouse.warehouse import PROJECT_DIR

PACKAGES = (
    "signalhouse",
    "duckdb",
    "dbt-core",
    "dbt-duckdb",
    "great-expectations",
    "pandas",
    "pyarrow",
    "numpy",
)

MANIFEST_DDL = """
create schema if not exists audit;
create table if not exists audit.run_manifests (
    run_id varchar primary key,
    started_at timestamptz not null,
    finished_at timestamptz,
    status varchar not null,
    exit_code integer not null,
    code_version varchar,
    load_id varchar,
    files_loaded integer,
    lines_loaded bigint,
    lines_quarantined bigint,
    dbt_tests_passed integer,
    dbt_tests_failed integer,
    expectations_passed integer,
    expectations_failed integer,
    expectations_skipped integer,
    manifest json not null
);
"""


def code_version() -> dict:
    """The package version and, in a git checkout, the commit and whether it has edits."""
    version = {"signalhouse": __version__, "git_commit": None, "git_dirty": None}
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
        version.update(git_commit=commit, git_dirty=bool(dirty))
    except (OSError, subprocess.CalledProcessError):
        pass
    return version


def package_versions() -> dict[str, str | None]:
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def ingest_section(summary) -> dict:
    """Input files with sha256 and line counts, and quarantine counts by reason."""
    files = [
        {
            "path": str(result.path),
            "tenant_id": result.tenant_id,
            "sha256": result.sha256,
            "status": result.status,
            "lines_read": result.lines_read,
            "lines_loaded": result.lines_loaded,
            "lines_quarantined": result.lines_quarantined,
            "lines_blank": result.lines_blank,
            "quarantined_by_reason": result.quarantined_by_reason,
        }
        for result in summary.files
    ]
    return {
        "load_id": summary.load_id,
        "files": files,
        "files_loaded": summary.count("loaded"),
        "files_skipped": summary.count("skipped"),
        "files_corrupt": summary.count("corrupt_archive"),
        "lines_read": summary.total("lines_read"),
        "lines_loaded": summary.total("lines_loaded"),
        "lines_quarantined": summary.total("lines_quarantined"),
        "lines_blank": summary.total("lines_blank"),
        "quarantine_by_reason": summary.quarantined_by_reason,
    }


def dbt_results(run_results_path: Path) -> dict:
    """Counts of dbt nodes by kind and status from run_results.json, and the failing ones."""
    if not run_results_path.exists():
        return {"available": False}
    results = json.loads(run_results_path.read_text()).get("results", [])
    counts: dict[str, dict[str, int]] = {}
    failing = []
    for node in results:
        kind = node["unique_id"].split(".", 1)[0]
        status = str(node.get("status"))
        counts.setdefault(kind, {}).setdefault(status, 0)
        counts[kind][status] += 1
        if status in ("fail", "error", "runtime error", "warn"):
            failing.append(
                {
                    "unique_id": node["unique_id"],
                    "status": status,
                    "failures": node.get("failures"),
                    "message": (node.get("message") or "")[:500],
                }
            )
    return {"available": True, "counts": counts, "not_passing": failing}


def freshness_results(sources_path: Path) -> list[dict]:
    """One row per source table from dbt's sources.json: status and age of its newest load."""
    if not sources_path.exists():
        return []
    rows = []
    for node in json.loads(sources_path.read_text()).get("results", []):
        age = node.get("max_loaded_at_time_ago_in_s")
        rows.append(
            {
                "source": node["unique_id"].removeprefix("source.signalhouse."),
                "status": node.get("status"),
                "max_loaded_at": node.get("max_loaded_at"),
                "age_hours": round(age / 3600, 2) if age is not None else None,
            }
        )
    return rows


def warehouse_counts(con) -> dict:
    """Row counts of every mart, and removed duplicate copies by reason."""
    marts = {}
    for (name,) in con.execute(
        "select table_name from information_schema.tables where table_schema = 'marts' "
        "order by table_name"
    ).fetchall():
        marts[f"marts.{name}"] = con.execute(f'select count(*) from marts."{name}"').fetchone()[0]
    dedup = {}
    exists = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'staging' and table_name = 'stg_segment__event_duplicates'"
    ).fetchone()[0]
    if exists:
        dedup = dict(
            con.execute(
                "select reason, count(*) from staging.stg_segment__event_duplicates "
                "group by reason order by reason"
            ).fetchall()
        )
    return {"marts": marts, "dedup_by_reason": dedup}


def record(con, manifest: dict) -> None:
    """Insert the manifest's row into audit.run_manifests (replacing a row of the same run)."""
    con.execute(MANIFEST_DDL)
    ingest = manifest.get("ingest") or {}
    tests = ((manifest.get("dbt") or {}).get("counts") or {}).get("test", {})
    expectations = manifest.get("expectations") or {}
    con.execute("delete from audit.run_manifests where run_id = ?", [manifest["run_id"]])
    con.execute(
        """
        insert into audit.run_manifests values (
            ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?
        )
        """,
        [
            manifest["run_id"],
            manifest["started_at"],
            manifest.get("finished_at"),
            manifest["status"],
            manifest["exit_code"],
            (manifest.get("code_version") or {}).get("git_commit")
            or (manifest.get("code_version") or {}).get("signalhouse"),
            ingest.get("load_id"),
            ingest.get("files_loaded"),
            ingest.get("lines_loaded"),
            ingest.get("lines_quarantined"),
            tests.get("pass", 0),
            tests.get("fail", 0) + tests.get("error", 0),
            expectations.get("passed"),
            expectations.get("failed"),
            expectations.get("skipped"),
            json.dumps(manifest, default=str),
        ],
    )
