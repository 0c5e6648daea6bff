"""`signalhouse` command line: parse arguments, show progress, map outcomes to exit codes.

Each command calls one stage function; stages never call back into the CLI.

Exit codes (also in README.md):
  0  success
  1  unexpected internal error (a bug: please report it with the traceback)
  2  usage error (bad arguments, missing input)
  3  the warehouse file is locked by another process
  4  data-quality failure (dbt tests or expectations failed)
  5  build error (a dbt model failed to compile or run)
  6  command not available yet in this version
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import warnings
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from signalhouse import __version__
from signalhouse.bench import STAGES
from signalhouse.check import CheckUsageError
from signalhouse.warehouse import (
    DB_ENV_VAR,
    MEMORY_LIMIT_ENV_VAR,
    TEMP_DIRECTORY_ENV_VAR,
    WarehouseLockedError,
    WarehouseSettingError,
    connection_limits,
    resolve_db_path,
)

EXIT_OK = 0
EXIT_INTERNAL = 1
EXIT_USAGE = 2
EXIT_LOCKED = 3
EXIT_DATA_QUALITY = 4
EXIT_BUILD_ERROR = 5
EXIT_NOT_AVAILABLE = 6


class UsageError(Exception):
    """The user asked for something that cannot work as asked."""


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


KEEP_OPTED_OUT_HELP = (
    "land lines of an identifier timed after its Consent Updated denied analytics (default: "
    "drop them as consent_suppressed); the suppression list applies always"
)


def _db_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        help=f"warehouse file (default: ${DB_ENV_VAR} or warehouse/signalhouse.duckdb)",
    )
    parser.add_argument(
        "--memory-limit",
        metavar="SIZE",
        help=f"DuckDB's memory_limit for every connection of the command, dbt's included, "
        f"e.g. 1GiB: DuckDB spills past it (default: ${MEMORY_LIMIT_ENV_VAR}, else "
        "DuckDB's 80%% of memory)",
    )
    parser.add_argument(
        "--temp-directory",
        metavar="DIR",
        help=f"where DuckDB spills (default: ${TEMP_DIRECTORY_ENV_VAR}, else DuckDB's "
        "<warehouse>.tmp)",
    )


def _apply_duckdb_limits(args: argparse.Namespace) -> None:
    """--memory-limit / --temp-directory reach every connection, dbt's too, as environment;
    under a memory limit, large frees go back to the system (warehouse.py says why)."""
    if getattr(args, "memory_limit", None):
        os.environ[MEMORY_LIMIT_ENV_VAR] = args.memory_limit
    if getattr(args, "temp_directory", None):
        os.environ[TEMP_DIRECTORY_ENV_VAR] = str(args.temp_directory)
    connection_limits()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="signalhouse",
        description="Batch warehouse for product analytics: JSONL events -> DuckDB marts.",
        epilog="Exit codes: 0 ok, 2 usage, 3 warehouse locked, 4 data quality, "
        "5 build error, 6 not available yet, 1 internal error.",
    )
    parser.add_argument("--version", action="version", version=f"signalhouse {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    generate = commands.add_parser(
        "generate",
        help="write a realistic sample of SDK exports plus truth.json",
        description="Simulate SDK exports (gzip JSONL per tenant, source and day) with "
        "ground truth in DIR/truth.json. The same arguments give byte-identical files.",
    )
    generate.add_argument("--out", required=True, type=Path, help="output folder")
    generate.add_argument("--users", type=int, default=5000, help="persons in all (5000)")
    generate.add_argument("--days", type=int, default=30, help="days simulated (30)")
    generate.add_argument("--seed", type=int, default=42, help="random seed (42)")
    generate.add_argument("--tenants", type=int, default=2, help="tenants (2)")
    generate.add_argument(
        "--defects",
        choices=["none", "default"],
        default="default",
        help="inject realistic defects at stated rates (default) or none",
    )
    generate.add_argument(
        "--start",
        type=date.fromisoformat,
        default=date(2026, 10, 12),
        help="first simulated day, YYYY-MM-DD (2026-10-12)",
    )
    generate.add_argument(
        "--workers",
        type=int,
        default=2,
        help="processes simulating in parallel; the output is identical for any value (2)",
    )

    ingest = commands.add_parser(
        "ingest",
        help="load JSONL / gzip files into raw.events with a ledger",
        description="Load files or folders (recursively *.jsonl, *.jsonl.gz, *.json.gz, "
        "*.ndjson[.gz]) into raw.events; rejected lines go to raw.quarantine with a reason; "
        "raw.files is the ledger. Files loaded before (same sha256) are skipped.",
    )
    ingest.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    ingest.add_argument(
        "--tenant", help="tenant of these files (else a tenant=<id>/ folder, else 'default')"
    )
    ingest.add_argument(
        "--max-line-bytes",
        type=int,
        default=1 << 20,
        help="longer lines are quarantined as oversized (1 MiB)",
    )
    ingest.add_argument(
        "--workers", type=int, default=2, help="threads reading and decoding files (2)"
    )
    ingest.add_argument(
        "--batch-lines",
        type=int,
        default=368_640,
        help="commit small files together once this many lines are pending (368,640: three "
        "DuckDB row groups); smaller batches commit more often, larger ones are faster",
    )
    ingest.add_argument("--keep-opted-out", action="store_true", help=KEEP_OPTED_OUT_HELP)
    _db_argument(ingest)

    build = commands.add_parser(
        "build",
        help="run `dbt build` (models, seeds, tests) on the warehouse",
        description="Run dbt build through dbt's Python runner with this project's profile.",
    )
    build.add_argument("--full-refresh", action="store_true", help="rebuild incremental models")
    build.add_argument("--select", "-s", nargs="+", help="dbt node selection")
    _db_argument(build)

    nightly = commands.add_parser(
        "nightly",
        help="ingest, build, check and publish atomically; write the manifest and report",
        description="The nightly run, on a working copy of the warehouse: ingest PATHs, "
        "incremental `dbt build`, dbt source freshness, the Great Expectations checkpoint; "
        "only if every gate passes is the copy renamed onto the warehouse file (the previous "
        "one kept as <name>.last-good.duckdb). Writes runs/<run id>/manifest.json beside the "
        "warehouse, a row in audit.run_manifests, and report.html.",
        epilog="Exit codes: 0 published, 2 usage error, 3 warehouse locked, 4 data-quality "
        "failure (not published), 5 build error (not published), 1 internal error.",
    )
    nightly.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    nightly.add_argument("--tenant", help="tenant of these files")
    nightly.add_argument("--no-report", action="store_true", help="skip the HTML report")
    nightly.add_argument("--keep-opted-out", action="store_true", help=KEEP_OPTED_OUT_HELP)
    nightly.add_argument(
        "--retention-days",
        type=int,
        metavar="N",
        help="delete raw and quarantined lines loaded more than N days ago (default: keep all)",
    )
    nightly.add_argument(
        "--unit-tests",
        action="store_true",
        help="also run the dbt unit tests (they check the SQL on fixed fixtures, not the "
        "night's data: `make test` runs them; the nightly skips them by default)",
    )
    _db_argument(nightly)

    check = commands.add_parser(
        "check",
        help="run the Great Expectations checkpoint on a load batch and the marts",
        description="Validate the batch of one ingest run (default: the latest) in raw and "
        "staging, and the marts, with the suites of expectations/suites.py. Writes the "
        "results as JSON (runs/<run id>/expectations.json beside the warehouse) and GX Data "
        "Docs (expectations/gx/uncommitted/data_docs/local_site/index.html).",
        epilog="Exit codes: 0 every suite passed or was skipped (mart not built), 4 a suite "
        "failed, 2 usage error, 3 warehouse locked.",
    )
    check.add_argument("--load-id", help="the ingest run to check (raw.ingest_runs.load_id)")
    _db_argument(check)

    report = commands.add_parser(
        "report",
        help="write the static HTML report (self-contained: no network needed)",
        description="Read the warehouse read-only and write one HTML file with inline "
        "charts: the verdict of the last run, data quality, sessions, and a panel per mart.",
    )
    report.add_argument(
        "--out", type=Path, help="output file (default: report.html beside the warehouse)"
    )
    _db_argument(report)

    erase = commands.add_parser(
        "erase",
        help="erase a person everywhere, and keep them out of every later ingest",
        description="Tombstone the person's identifiers (keyed hashes only), move their raw "
        "events out, delete every row that names them, rebuild the aggregates, check that "
        "nothing names them, and rewrite the warehouse file.",
    )
    erase.add_argument("--tenant", required=True, help="the tenant the person belongs to")
    who = erase.add_mutually_exclusive_group(required=True)
    who.add_argument("--user-id", help="the person's user id")
    who.add_argument("--anonymous-id", help="one of the person's anonymous ids")
    who.add_argument("--email", help="the person's e-mail address (matched by its hash)")
    _db_argument(erase)

    suppress = commands.add_parser(
        "suppress",
        help="add identifiers to the suppression list: their later lines are not ingested",
        description="Store the keyed hash of each identifier in raw.consent_suppressions; "
        "every later ingest drops its lines timed after suppressed_from (reason "
        "consent_suppressed). Rows already loaded stay: `signalhouse erase` removes them.",
    )
    suppress.add_argument("--tenant", help="the tenant of the identifier")
    entry = suppress.add_mutually_exclusive_group(required=True)
    entry.add_argument("--user-id", help="a user id to suppress")
    entry.add_argument("--anonymous-id", help="an anonymous id to suppress")
    entry.add_argument(
        "--csv",
        type=Path,
        help="a CSV with a header tenant_id,identifier_type,identifier[,suppressed_from]",
    )
    suppress.add_argument(
        "--from",
        dest="since",
        help="ISO 8601 time from which lines are dropped (default: all of them)",
    )
    _db_argument(suppress)

    export = commands.add_parser(
        "export",
        help="copy one tenant's marts to files (Parquet or CSV), and nothing else",
        description="Read the warehouse read-only and write, for every mart with a tenant_id "
        "column, the tenant's rows to OUT/<mart>.<format>, plus OUT/export.json with the row "
        "counts. Marts without a tenant_id column are left out and listed.",
        epilog="Exit codes: 0 exported, 2 usage error (unknown tenant or format, no marts).",
    )
    export.add_argument("--tenant", required=True, help="the tenant to export")
    export.add_argument("--out", required=True, type=Path, help="output folder")
    export.add_argument(
        "--format", choices=["parquet", "csv"], default="parquet", help="file format (parquet)"
    )
    _db_argument(export)

    bench = commands.add_parser(
        "bench",
        help="benchmarks: figures and ratios measured in one run",
        description="Benchmarks print figures and ratios measured in one run on this machine.",
    )
    bench.add_argument(
        "--sizes",
        default="1m,10m",
        help="sample sizes in events, comma-separated: 2k, 1m, 10m (default 1m,10m)",
    )
    bench.add_argument(
        "--stages",
        default=",".join(STAGES),
        help=f"stages, comma-separated (default all: {','.join(STAGES)}); S is always measured",
    )
    bench.add_argument("--repeat", type=int, default=3, help="runs per figure (median, 3)")
    bench.add_argument(
        "--heavy-repeat",
        type=int,
        help="runs per nightly figure (nightly, memory, incremental, pandas; default --repeat)",
    )
    bench.add_argument(
        "--cache", type=Path, default=Path("bench/data"), help="where generated data is kept"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = {
        "generate": _generate,
        "ingest": _ingest,
        "build": _build,
        "nightly": _nightly,
        "check": _check,
        "report": _report,
        "erase": _erase,
        "export": _export,
        "suppress": _suppress,
        "bench": _bench,
    }.get(args.command)
    try:
        _apply_duckdb_limits(args)
        if handler is None:
            _say(
                f"signalhouse {args.command} is not available in this version yet; "
                "`signalhouse build` runs the dbt tests meanwhile."
            )
            return EXIT_NOT_AVAILABLE
        return handler(args)
    except WarehouseLockedError as exc:
        _say(f"error: {exc}")
        return EXIT_LOCKED
    except (UsageError, FileNotFoundError, CheckUsageError, WarehouseSettingError) as exc:
        _say(f"error: {exc}")
        return EXIT_USAGE
    except KeyboardInterrupt:
        _say("interrupted: files committed so far stay loaded; run the command again to resume")
        return 130


def _generate(args: argparse.Namespace) -> int:
    from signalhouse.simulator import generate

    if args.users < 1 or args.days < 1 or args.tenants < 1 or args.workers < 1:
        raise UsageError("--users, --days, --tenants and --workers must be at least 1")
    interactive = sys.stderr.isatty()
    reported = {"last": -1}

    def progress(done: int, total: int) -> None:
        percent = 100 * done // max(total, 1)
        if interactive:
            print(
                f"\r\033[Ksimulating: {percent}% ({done}/{total} blocks)",
                end="",
                file=sys.stderr,
                flush=True,
            )
        elif percent // 10 != reported["last"] // 10:
            _say(f"simulating: {percent}% ({done}/{total} blocks)")
        reported["last"] = percent

    result = generate(
        args.out,
        users=args.users,
        days=args.days,
        seed=args.seed,
        tenants=args.tenants,
        defects=args.defects,
        start_date=args.start,
        progress=progress,
        workers=args.workers,
    )
    if interactive:
        print(file=sys.stderr)
    _say(
        f"wrote {result.events:,} lines in {len(result.files)} files to {args.out} "
        f"in {result.seconds:.1f} s ({result.events_per_second:,.0f} events/s); "
        f"ground truth: {result.truth_path}"
    )
    return EXIT_OK


def _ingest(args: argparse.Namespace) -> int:
    run_ingest(
        args.paths,
        resolve_db_path(args.db),
        args.tenant,
        args.max_line_bytes,
        args.workers,
        args.batch_lines,
        suppress_opted_out=not args.keep_opted_out,
    )
    return EXIT_OK


def run_ingest(
    paths,
    db_path,
    tenant=None,
    max_line_bytes=1 << 20,
    workers=2,
    batch_lines=368_640,
    *,
    suppress_opted_out=True,
):
    """Ingest with progress on stderr and a summary table at the end."""
    from ingest.loader import NoInputError, ingest_paths
    from ingest.pii import DemoKeyWarning

    started = time.perf_counter()
    interactive = sys.stderr.isatty()

    def progress(index: int, total: int, result) -> None:
        quarantined = (
            f", {result.lines_quarantined:,} quarantined" if result.lines_quarantined else ""
        )
        line = (
            f"[{index}/{total}] {result.status:<15} {'/'.join(result.path.parts[-3:])} "
            f"({result.tenant_id}): {result.lines_loaded:,} loaded{quarantined}"
        )
        if interactive:
            print("\r\033[K" + line, end="" if index < total else "\n", file=sys.stderr, flush=True)
        else:
            _say(line)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DemoKeyWarning)
        try:
            summary = ingest_paths(
                paths,
                db_path,
                tenant=tenant,
                max_line_bytes=max_line_bytes,
                workers=workers,
                batch_lines=batch_lines,
                progress=progress,
                suppress_opted_out=suppress_opted_out,
            )
        except NoInputError as exc:
            raise UsageError(str(exc)) from exc
    for warning in caught:
        _say(f"warning: {warning.message}")
    _print_ingest_summary(summary, time.perf_counter() - started)
    return summary


def _print_ingest_summary(summary, seconds: float) -> None:
    rows = [
        ("files", f"{len(summary.files):,}"),
        ("  loaded", f"{summary.count('loaded'):,}"),
        ("  skipped (loaded before)", f"{summary.count('skipped'):,}"),
        ("  corrupt archive", f"{summary.count('corrupt_archive'):,}"),
        ("lines read", f"{summary.total('lines_read'):,}"),
        ("  loaded", f"{summary.total('lines_loaded'):,}"),
        ("  blank", f"{summary.total('lines_blank'):,}"),
        ("  quarantined", f"{summary.total('lines_quarantined'):,}"),
    ]
    rows += [
        (f"    {reason}", f"{count:,}") for reason, count in summary.quarantined_by_reason.items()
    ]
    width = max(len(label) for label, _ in rows)
    _say(f"ingest {summary.load_id} into {summary.db_path} ({seconds:.1f} s)")
    for label, value in rows:
        _say(f"  {label:<{width}}  {value:>12}")
    for result in summary.files:
        if result.status == "corrupt_archive":
            _say(f"warning: {result.path}: {result.status_detail}")
    if summary.total("lines_quarantined"):
        _say("  inspect rejected lines: select reason, detail, excerpt from raw.quarantine")


def _erase(args: argparse.Namespace) -> int:
    from signalhouse.erase import ErasureError, erase

    db_path = resolve_db_path(args.db)
    if not db_path.exists():
        raise UsageError(f"warehouse {db_path} does not exist: nothing to erase")
    try:
        result = erase(
            db_path,
            args.tenant,
            user_id=args.user_id,
            anonymous_id=args.anonymous_id,
            email=args.email,
        )
    except ErasureError as exc:
        _say(f"error: {exc}")
        return EXIT_BUILD_ERROR
    found = (
        f"person {', '.join(result.person_ids)}"
        if result.person_ids
        else "no person with that identifier yet (the tombstone keeps them out of later loads)"
    )
    _say(
        f"erased in tenant {result.tenant} ({result.request_id}): {found}; "
        f"{result.identifiers} identifiers tombstoned, {result.raw_events_erased:,} raw events "
        f"removed, rows deleted from {len(result.rows_deleted)} tables; aggregates rebuilt; "
        f"{len(result.artifacts_redacted)} run artifacts (GX results, Data Docs, manifests) "
        "redacted"
    )
    return EXIT_OK


def _suppress(args: argparse.Namespace) -> int:
    from signalhouse.suppress import (
        Suppression,
        SuppressionError,
        add_suppressions,
        parse_time,
        read_csv,
        validated,
    )

    try:
        if args.csv:
            if args.tenant or args.since:
                raise SuppressionError("--tenant and --from come from the CSV's columns")
            entries = read_csv(args.csv)
        else:
            kind = "user_id" if args.user_id else "anonymous_id"
            entries = [
                validated(
                    Suppression(
                        args.tenant or "",
                        kind,
                        args.user_id or args.anonymous_id,
                        parse_time(args.since, "--from"),
                    ),
                    "--tenant/--user-id/--anonymous-id",
                )
            ]
        added = add_suppressions(resolve_db_path(args.db), entries)
    except SuppressionError as exc:
        raise UsageError(str(exc)) from exc
    _say(
        f"suppression list: {added} new of {len(entries)} given; later ingests drop their "
        "lines (reason consent_suppressed)"
    )
    return EXIT_OK


def _export(args: argparse.Namespace) -> int:
    from signalhouse.export import ExportUsageError, export_tenant

    try:
        result = export_tenant(resolve_db_path(args.db), args.tenant, args.out, args.format)
    except ExportUsageError as exc:
        raise UsageError(str(exc)) from exc
    _say(
        f"exported tenant {result.tenant}: {len(result.files)} marts, "
        f"{sum(result.rows.values()):,} rows, to {result.out_dir} ({result.format})"
    )
    if result.skipped:
        _say(f"  left out (no tenant_id column): {', '.join(result.skipped)}")
    return EXIT_OK


def _build(args: argparse.Namespace) -> int:
    command = ["build"]
    if args.full_refresh:
        command.append("--full-refresh")
    if args.select:
        command += ["--select", *args.select]
    return run_build(command, resolve_db_path(args.db))


def run_build(command: list[str], db_path: Path) -> int:
    """Run dbt and map its outcome to an exit code with a message that says what next."""
    from signalhouse.dbt import run_dbt

    if not db_path.exists():
        raise UsageError(f"warehouse {db_path} does not exist: run `signalhouse ingest PATH` first")
    outcome = run_dbt(command, db_path)
    if outcome.success:
        return EXIT_OK
    if outcome.errors or outcome.exception:
        _say(
            "error: dbt could not build "
            + (", ".join(outcome.errors) or outcome.exception or "the project")
            + "; see the dbt output above and target/logs/dbt.log"
        )
        return EXIT_BUILD_ERROR
    _say(
        f"data-quality failure: {len(outcome.failed_tests)} dbt test(s) failed: "
        + ", ".join(outcome.failed_tests)
        + "; failing rows are stored in the warehouse's schema audit (one table per test)"
    )
    return EXIT_DATA_QUALITY


def _nightly(args: argparse.Namespace) -> int:
    from signalhouse.nightly import run_nightly

    if args.retention_days is not None and args.retention_days < 1:
        raise UsageError(f"--retention-days must be at least 1, got {args.retention_days}")
    result = run_nightly(
        args.paths,
        resolve_db_path(args.db),
        ingest=lambda paths, db_path: run_ingest(
            paths, db_path, args.tenant, suppress_opted_out=not args.keep_opted_out
        ),
        report=not args.no_report,
        retention_days=args.retention_days,
        unit_tests=args.unit_tests,
        say=_say,
    )
    expectations = result.manifest.get("expectations") or {}
    _say(
        f"expectations: {expectations.get('passed', 0)} passed, "
        f"{expectations.get('failed', 0)} failed, {expectations.get('skipped', 0)} skipped "
        "(mart not built)"
    )
    _say(("ok: " if result.published else "data-quality gate failed: ") + result.message)
    _say(f"  run manifest  {result.manifest_path}")
    if expectations.get("data_docs"):
        _say(f"  Data Docs     {expectations['data_docs']}")
    if result.manifest.get("report"):
        _say(f"  report        {result.manifest['report']}")
    return result.exit_code


def _check(args: argparse.Namespace) -> int:
    from signalhouse.check import format_check, run_check

    db_path = resolve_db_path(args.db)
    if not db_path.exists():
        raise UsageError(
            f"warehouse {db_path} does not exist: run `signalhouse nightly PATH` first"
        )
    _say("running the Great Expectations checkpoint (GX takes a few seconds to start)...")
    check = run_check(db_path, load_id=args.load_id)
    for line in format_check(check):
        _say(line)
    if check.success:
        return EXIT_OK
    _say(
        "data-quality failure: see the failed suites above, the results JSON and Data Docs; "
        "fix the input or the model, then run `signalhouse nightly` again"
    )
    return EXIT_DATA_QUALITY


def _report(args: argparse.Namespace) -> int:
    from signalhouse.report import latest_manifest, write_report

    db_path = resolve_db_path(args.db)
    out = (args.out or db_path.parent / "report.html").resolve()
    write_report(db_path, out, latest=latest_manifest(db_path))
    _say(f"report written to {out} (one self-contained file: open it in any browser)")
    return EXIT_OK


def _bench(args: argparse.Namespace) -> int:
    from signalhouse.bench import parse_size, run_bench

    try:
        sizes = [parse_size(size) for size in args.sizes.split(",") if size.strip()]
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    stages = [stage.strip() for stage in args.stages.split(",") if stage.strip()]
    unknown = sorted(set(stages) - set(STAGES))
    if unknown or not sizes or args.repeat < 1 or (args.heavy_repeat or 1) < 1:
        raise UsageError(
            f"choose stages from {', '.join(STAGES)} (got {', '.join(unknown) or 'none'}),"
            " at least one size, and --repeat / --heavy-repeat of at least 1"
        )
    run_bench(
        sizes=sizes,
        repeat=args.repeat,
        heavy_repeat=args.heavy_repeat,
        stages=stages,
        cache=args.cache,
    )
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
