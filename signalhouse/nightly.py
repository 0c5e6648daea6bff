"""`signalhouse nightly`: ingest -> incremental dbt build -> source freshness -> GX -> publish.

Readers never see a half-built warehouse. The run works on a copy of the published file
(`<name>.work.duckdb`); only when every gate passes is the copy renamed onto the published
path (one `os.replace`, atomic on POSIX), the previous published file being kept as
`<name>.last-good.duckdb`. A run whose gates fail leaves the published file untouched and
keeps its copy as `<name>.failed.duckdb` for investigation (failing dbt rows in schema
`audit`). Each run writes `runs/<run id>/manifest.json` beside the warehouse and a row in
`audit.run_manifests`.
"""

from __future__ import annotations

import fcntl
import json
import os
import resource
import shutil
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from signalhouse import manifest as manifests
from signalhouse.check import new_run_id, run_check
from signalhouse.warehouse import PROJECT_DIR, WarehouseLockedError, connect

EXIT_OK, EXIT_DATA_QUALITY, EXIT_BUILD_ERROR = 0, 4, 5
DBT_TARGET = PROJECT_DIR / "target"
# dbt's freshness statuses that fail the gate ("warn" is recorded, not failed).
STALE_STATUSES = ("error", "runtime error")
# Sources whose age says nothing about the data: raw.quarantine inherits the freshness of
# segment's sources, but no rejected line for days is good news (and an empty quarantine
# reads as infinitely old). Recorded in the manifest, never gating. Upstream fix: set
# `freshness: null` on quarantine in models/staging/segment/_segment__sources.yml.
FRESHNESS_NOT_GATED = ("segment.quarantine",)
# dbt unit tests check the models' SQL on fixed fixtures, not the night's data: they run in
# `make test` (CI) on every change, and the nightly skips them unless asked
# (dbt's advice for production runs; about 16 thread-seconds of 57 tests saved each night).
NIGHTLY_BUILD = ["build", "--exclude-resource-type", "unit_test"]
NIGHTLY_BUILD_WITH_UNIT_TESTS = ["build"]


class _Phases:
    """Wall-clock seconds of each phase of one run, in order, for the manifest; and the
    process's peak RSS within each phase (MiB).

    On Linux the kernel's high-water mark (VmHWM) is reset at each phase boundary
    (/proc/self/clear_refs), so each figure is that phase's own peak and the run's peak is
    the largest (the process's `ru_maxrss` then holds only the last phase's). Elsewhere the
    figures are the running peak (`ru_maxrss`) at the end of each phase."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.peak_rss_mib: dict[str, int] = {}
        self.per_phase = _reset_peak_rss()
        self._started = time.perf_counter()

    def done(self, name: str) -> None:
        now = time.perf_counter()
        self.seconds[name] = round(now - self._started, 3)
        self._started = now
        self.peak_rss_mib[name] = _peak_rss_mib()
        if self.per_phase:
            _reset_peak_rss()


def _reset_peak_rss() -> bool:
    """Reset this process's RSS high-water mark (Linux); False where that is not possible."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _peak_rss_mib() -> int:
    """This process's peak RSS in MiB since the last reset (dbt and DuckDB run in it)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    # ru_maxrss is in KiB on Linux, bytes on macOS; the fallback is only for non-Linux.
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss // (1 << 20) if sys.platform == "darwin" else maxrss // 1024


@dataclass
class NightlyPaths:
    """The files one warehouse path implies.

    Every copy keeps the published file's stem before its first dot: DuckDB names a file's
    catalog after it, and dbt's views refer to that catalog, so a view built in
    `signalhouse.work.duckdb` still resolves once the file is `signalhouse.duckdb`.
    """

    published: Path

    @property
    def work(self) -> Path:
        return self.published.with_name(f"{self.published.stem}.work{self.published.suffix}")

    @property
    def last_good(self) -> Path:
        return self.published.with_name(f"{self.published.stem}.last-good{self.published.suffix}")

    @property
    def failed(self) -> Path:
        return self.published.with_name(f"{self.published.stem}.failed{self.published.suffix}")

    @property
    def lock(self) -> Path:
        return self.published.with_name(f"{self.published.name}.nightly-lock")

    @property
    def runs(self) -> Path:
        return self.published.parent / "runs"


@dataclass
class NightlyResult:
    run_id: str
    exit_code: int
    published: bool
    message: str
    manifest: dict
    manifest_path: Path
    warehouse: Path
    failed_copy: Path | None = None
    check: object | None = None


@contextmanager
def _discard_on_error(work: Path):
    """An interrupted or failed run (usage error, lock, crash) leaves no work copy behind."""
    try:
        yield
    except BaseException:
        _remove(work)
        raise


def _wal(path: Path) -> Path:
    return path.with_name(path.name + ".wal")


def _remove(path: Path) -> None:
    for candidate in (path, _wal(path)):
        candidate.unlink(missing_ok=True)


class _NightlyLock:
    """One nightly per warehouse at a time: an exclusive flock on a file beside it."""

    def __init__(self, path: Path):
        self.path = path
        self.handle = None

    def __enter__(self):
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.handle = open(self.path, "a+")  # noqa: SIM115 (held for the whole run)
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError as exc:
            self.handle.seek(0)
            holder = self.handle.read().strip() or "another process"
            self.handle.close()
            raise WarehouseLockedError(
                f"another nightly run ({holder}) is working on {self.path.parent}: wait for it "
                f"to finish, then run again (lock file {self.path})"
            ) from exc
        self.handle.seek(0)
        self.handle.truncate()
        self.handle.write(f"pid {os.getpid()}")
        self.handle.flush()
        return self

    def __exit__(self, *exc_info):
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        self.handle.close()


def prepare_work_copy(paths: NightlyPaths) -> None:
    """Copy the published warehouse (if any) to the work file, failing if a writer holds it."""
    _remove(paths.work)
    if not paths.published.exists():
        return
    # A writer elsewhere (a notebook, an ingest) may be mid-transaction: refuse to copy then.
    connect(paths.published, read_only=True).close()
    shutil.copyfile(paths.published, paths.work)
    if _wal(paths.published).exists():
        shutil.copyfile(_wal(paths.published), _wal(paths.work))


def publish(paths: NightlyPaths) -> None:
    """Keep the published file as last-good, then rename the work copy onto it atomically."""
    if paths.published.exists():
        staged = paths.last_good.with_name(paths.last_good.name + ".tmp")
        staged.unlink(missing_ok=True)
        try:
            os.link(paths.published, staged)
        except OSError:  # a file system without hard links: copy instead
            shutil.copyfile(paths.published, staged)
        os.replace(staged, paths.last_good)
    # Checkpointed on close: the work file has no WAL left to carry along.
    os.replace(paths.work, paths.published)
    _wal(paths.published).unlink(missing_ok=True)


def run_nightly(
    input_paths: list[Path],
    db_path: Path,
    *,
    ingest: Callable[[list[Path], Path], object],
    vars: dict | None = None,
    gx_root: Path | None = None,
    report: bool = True,
    retention_days: int | None = None,
    now: datetime | None = None,
    unit_tests: bool = False,
    say: Callable[[str], None] = print,
) -> NightlyResult:
    """Run the whole night on a working copy; publish it only if every gate passes.

    The manifest's `phases` holds the wall-clock seconds of each step (copy, ingest, build,
    freshness, expectations, record, publish or keep), `peak_rss_mib_by_phase` the process's
    peak RSS within each (see `_Phases`)."""
    from signalhouse.dbt import run_dbt

    paths = NightlyPaths(db_path)
    run_id = new_run_id()
    run_dir = paths.runs / run_id
    started_at = datetime.now(UTC)
    manifest: dict = {
        "run_id": run_id,
        "started_at": started_at.isoformat(),
        "code_version": manifests.code_version(),
        "packages": manifests.package_versions(),
        "warehouse": str(paths.published),
        "inputs": [str(path) for path in input_paths],
    }
    phases = _Phases()
    manifest["phases"] = phases.seconds
    manifest["peak_rss_mib_by_phase"] = phases.peak_rss_mib
    manifest["peak_rss_per_phase"] = phases.per_phase
    with _NightlyLock(paths.lock), _discard_on_error(paths.work):
        prepare_work_copy(paths)
        phases.done("copy")
        say(f"nightly {run_id}: working on a copy, {paths.work}")
        summary = ingest(input_paths, paths.work)
        manifest["ingest"] = manifests.ingest_section(summary)
        phases.done("ingest")
        if retention_days is not None:
            manifest["retention"] = _expire(paths.work, retention_days, now or started_at, say)
            phases.done("retention")

        (DBT_TARGET / "run_results.json").unlink(missing_ok=True)
        build_args = NIGHTLY_BUILD_WITH_UNIT_TESTS if unit_tests else NIGHTLY_BUILD
        manifest["dbt_command"] = build_args
        build = run_dbt(build_args, paths.work, vars=vars)
        phases.done("dbt build")
        manifest["dbt"] = {
            "success": build.success,
            "failed_tests": build.failed_tests,
            "errors": build.errors,
            "exception": build.exception,
            **manifests.dbt_results(DBT_TARGET / "run_results.json"),
        }
        run_dir.mkdir(parents=True, exist_ok=True)
        if (DBT_TARGET / "run_results.json").exists():
            shutil.copyfile(DBT_TARGET / "run_results.json", run_dir / "dbt_run_results.json")

        freshness = check_freshness(paths.work, vars=vars)
        manifest["freshness"] = freshness
        phases.done("dbt source freshness")
        stale = [
            row
            for row in freshness
            if row["status"] in STALE_STATUSES and row["source"] not in FRESHNESS_NOT_GATED
        ]

        check = run_check(
            paths.work, load_id=summary.load_id, run_id=run_id, gx_root=gx_root, results_dir=run_dir
        )
        manifest["expectations"] = {
            key: value for key, value in check.to_dict().items() if key != "db_path"
        }
        phases.done("expectations")

        con = connect(paths.work)
        try:
            manifest.update(manifests.warehouse_counts(con))
            problems = _problems(build, stale, check)
            exit_code = (
                EXIT_BUILD_ERROR
                if build.errors or build.exception
                else EXIT_DATA_QUALITY
                if problems
                else EXIT_OK
            )
            manifest["status"] = "published" if exit_code == EXIT_OK else "failed"
            manifest["exit_code"] = exit_code
            manifest["problems"] = problems
            manifest["finished_at"] = datetime.now(UTC).isoformat()
            manifests.record(con, manifest)
        finally:
            con.close()
        phases.done("record")

        failed_copy = None
        if exit_code == EXIT_OK:
            had_previous = paths.published.exists()
            publish(paths)
            message = f"published {paths.published}" + (
                f" (the previous one kept as {paths.last_good.name})" if had_previous else ""
            )
        else:
            _remove(paths.failed)
            os.replace(paths.work, paths.failed)
            failed_copy = paths.failed
            message = (
                f"NOT published: {'; '.join(problems)}. The published warehouse "
                f"{paths.published} still holds the last good run; this run's copy is kept "
                f"for investigation as {paths.failed} (failing dbt rows in schema audit)"
            )
        manifest["message"] = message
        phases.done("publish" if exit_code == EXIT_OK else "keep failed copy")
        manifest_path = run_dir / "manifest.json"
        manifest_path.write_text(json.dumps(manifest, indent=2, default=str) + "\n")

    if report and paths.published.exists():
        from signalhouse.report import write_report

        report_path = write_report(paths.published, run_dir / "report.html", latest=manifest)
        shutil.copyfile(report_path, paths.published.parent / "report.html")
        manifest["report"] = str(paths.published.parent / "report.html")
        phases.done("report")
        manifest_path.write_text(json.dumps(manifest, indent=2, default=str) + "\n")
    return NightlyResult(
        run_id,
        exit_code,
        exit_code == EXIT_OK,
        message,
        manifest,
        manifest_path,
        paths.published,
        failed_copy,
        check,
    )


def _expire(db_path: Path, days: int, now: datetime, say: Callable[[str], None]) -> dict:
    """Retention before the build, so the build's ledger test checks the ledger after it."""
    from signalhouse.retention import apply_retention

    con = connect(db_path)
    try:
        retention = apply_retention(con, days, now)
    finally:
        con.close()
    deleted = retention["rows_deleted"]
    say(
        f"retention {days} days: deleted {deleted['raw.events']:,} raw events and "
        f"{deleted['raw.quarantine']:,} quarantined lines loaded before {retention['cutoff']}"
    )
    return retention


def check_freshness(db_path: Path, *, vars: dict | None = None) -> list[dict]:
    """`dbt source freshness` on the warehouse: one row per source table with its status."""
    from signalhouse.dbt import run_dbt

    (DBT_TARGET / "sources.json").unlink(missing_ok=True)
    run_dbt(["source", "freshness"], db_path, vars=vars)
    return manifests.freshness_results(DBT_TARGET / "sources.json")


def _problems(build, stale: list[dict], check) -> list[str]:
    problems = []
    if build.errors or build.exception:
        problems.append(
            "dbt could not build " + (", ".join(build.errors) or build.exception or "the project")
        )
    if build.failed_tests:
        problems.append(
            f"{len(build.failed_tests)} dbt test(s) failed: " + ", ".join(build.failed_tests)
        )
    for row in stale:
        problems.append(
            f"source {row['source']} is stale ({row['status']}: newest load "
            f"{row['max_loaded_at']}, {row['age_hours']} h ago)"
        )
    for result in check.suites:
        if result.status == "failed":
            problems.append(f"expectation suite {result.suite} failed: {result.detail}")
    return problems
