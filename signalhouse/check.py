"""`signalhouse check`: run the Great Expectations suites of expectations/suites.py.

Each suite's SQL runs in DuckDB on a read-only connection and returns a bounded frame (the
new batch, the rows it touched, or a small aggregate mart); the connection is closed before
GX starts. GX validates each frame through its pandas path (a dataframe asset, a
whole-dataframe batch definition, a ValidationDefinition and a Checkpoint run with
`batch_parameters={"dataframe": df}`; its SQL path over DuckDB fails) and we read `success`
ourselves. A suite whose relation is absent is "skipped: mart not built". The results go to
a JSON file per run and to GX Data Docs (HTML).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
import uuid
import warnings
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from signalhouse.warehouse import PROJECT_DIR, connect

GX_ROOT = PROJECT_DIR / "expectations"
SUITES_FILE = PROJECT_DIR / "expectations" / "suites.py"
PASSED, FAILED, SKIPPED = "passed", "failed", "skipped"


class CheckUsageError(ValueError):
    """The warehouse cannot be checked as asked (no ingest run, unknown load id)."""


@dataclass
class SuiteResult:
    """One suite's outcome: passed, failed or skipped, with what failed."""

    suite: str
    status: str
    rows: int | None = None
    detail: str = ""
    expectations: int = 0
    failures: list[dict] = field(default_factory=list)


@dataclass
class CheckResult:
    """The outcome of one `signalhouse check`."""

    run_id: str
    load_id: str
    db_path: str
    suites: list[SuiteResult]
    results_path: str | None = None
    data_docs: str | None = None

    @property
    def success(self) -> bool:
        return all(result.status != FAILED for result in self.suites)

    def count(self, status: str) -> int:
        return sum(1 for result in self.suites if result.status == status)

    def to_dict(self) -> dict:
        return {
            "run_id": self.run_id,
            "load_id": self.load_id,
            "db_path": self.db_path,
            "success": self.success,
            "passed": self.count(PASSED),
            "failed": self.count(FAILED),
            "skipped": self.count(SKIPPED),
            "data_docs": self.data_docs,
            "suites": [asdict(result) for result in self.suites],
        }


def load_suites(path: Path | None = None) -> list:
    """The registry `SUITES` of expectations/suites.py (a file, not an installed package)."""
    path = path or SUITES_FILE
    spec = importlib.util.spec_from_file_location("signalhouse_expectation_suites", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return list(module.SUITES)


def new_run_id() -> str:
    return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ-") + uuid.uuid4().hex[:8]


def run_check(
    db_path: Path,
    *,
    load_id: str | None = None,
    run_id: str | None = None,
    suites: list | None = None,
    gx_root: Path | None = None,
    results_dir: Path | None = None,
    data_docs: bool = True,
) -> CheckResult:
    """Validate the batch `load_id` (default: the latest ingest run) and the marts."""
    run_id = run_id or new_run_id()
    suites = load_suites() if suites is None else suites
    load_id, frames, results = _read_frames(db_path, load_id, suites)
    check = CheckResult(run_id, load_id, str(db_path), results)
    if frames:
        context = _gx_context(gx_root or GX_ROOT)
        for suite in suites:
            if suite.name in frames:
                results[_index(results, suite.name)] = _validate(context, suite, frames[suite.name])
        if data_docs:
            sites = context.build_data_docs()
            check.data_docs = _local_path(next(iter(sites.values()), None))
    results_dir = results_dir or db_path.parent / "runs" / run_id
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / "expectations.json"
    path.write_text(json.dumps(check.to_dict(), indent=2, default=str) + "\n")
    check.results_path = str(path)
    return check


def _index(results: list[SuiteResult], name: str) -> int:
    return next(i for i, result in enumerate(results) if result.suite == name)


def relations(con) -> set[str]:
    """Every table and view of the warehouse as `schema.name`."""
    return {
        f"{schema}.{name}"
        for schema, name in con.execute(
            "select table_schema, table_name from information_schema.tables"
        ).fetchall()
    }


def _read_frames(db_path: Path, load_id: str | None, suites: list):
    """Run each suite's SQL read-only; return the load id, frames and placeholder results."""
    con = connect(db_path, read_only=True)
    try:
        present = relations(con)
        if "raw.ingest_runs" not in present:
            raise CheckUsageError(
                f"{db_path} has no ingest runs: run `signalhouse ingest PATH` or "
                "`signalhouse nightly PATH` first"
            )
        if load_id is None:
            row = con.execute(
                "select load_id from raw.ingest_runs order by started_at desc, load_id desc limit 1"
            ).fetchone()
            if row is None:
                raise CheckUsageError(f"{db_path} has no ingest runs: run `signalhouse ingest`")
            load_id = row[0]
        run = con.execute(
            "select started_at from raw.ingest_runs where load_id = ?", [load_id]
        ).fetchone()
        if run is None:
            raise CheckUsageError(
                f"no ingest run {load_id!r} in {db_path}: see `select load_id from raw.ingest_runs`"
            )
        first_loaded = con.execute(
            "select min(_loaded_at) from raw.events where _load_id = ?", [load_id]
        ).fetchone()[0]
        parameters = {"load_id": load_id, "batch_loaded_from": first_loaded or run[0]}
        frames, results = {}, []
        for suite in suites:
            missing = [relation for relation in suite.relations if relation not in present]
            if missing:
                results.append(
                    SuiteResult(suite.name, SKIPPED, detail=f"mart not built: {', '.join(missing)}")
                )
                continue
            used = {name: parameters[name] for name in re.findall(r"\$(\w+)", suite.sql)}
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", DeprecationWarning)
                    warnings.simplefilter("ignore", FutureWarning)
                    frame = con.execute(suite.sql, used).df()
            except Exception as exc:  # a mart whose shape changed: say which suite to align
                results.append(
                    SuiteResult(
                        suite.name,
                        FAILED,
                        detail=f"the suite's SQL failed ({str(exc).splitlines()[0]}): align "
                        "expectations/suites.py with the mart",
                    )
                )
                continue
            absent = sorted(_columns(suite) - set(frame.columns))
            if absent:
                results.append(
                    SuiteResult(
                        suite.name,
                        FAILED,
                        rows=len(frame),
                        detail=f"the frame lacks column(s) {', '.join(absent)} that the suite "
                        "expects: align expectations/suites.py with the mart",
                    )
                )
                continue
            frames[suite.name] = frame
            results.append(SuiteResult(suite.name, "pending", rows=len(frame)))
        return load_id, frames, results
    finally:
        con.close()


def _columns(suite) -> set[str]:
    columns: set[str] = set()
    for item in suite.expectations:
        if item.type == "expect_column_to_exist":
            continue
        for key in ("column", "column_A", "column_B"):
            if key in item.kwargs:
                columns.add(item.kwargs[key])
        columns.update(item.kwargs.get("column_list", []))
    return columns


def _gx_context(root: Path):
    """GX's file context under `root` (root/gx), imported lazily: GX takes seconds to import."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("TQDM_DISABLE", "1")
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    root.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(root))
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


def _gx_expectation(item):
    import great_expectations.expectations as gxe

    class_name = "".join(part.capitalize() for part in item.type.split("_"))
    expectation_class = getattr(gxe, class_name, None)
    if expectation_class is None:
        raise ValueError(f"unknown GX expectation {item.type!r} ({class_name})")
    return expectation_class(**item.kwargs)


def _validate(context, suite, frame) -> SuiteResult:
    """One checkpoint for one suite over its frame; read `success` ourselves."""
    import great_expectations as gx

    source = context.data_sources.add_or_update_pandas("signalhouse")
    asset_names = {asset.name for asset in source.assets}
    asset = (
        source.get_asset(suite.name)
        if suite.name in asset_names
        else source.add_dataframe_asset(suite.name)
    )
    try:
        batch_definition = asset.get_batch_definition("whole")
    except (KeyError, ValueError, LookupError):
        batch_definition = asset.add_batch_definition_whole_dataframe("whole")
    gx_suite = gx.ExpectationSuite(name=suite.name, meta={"description": suite.description})
    for item in suite.expectations:
        gx_suite.add_expectation(_gx_expectation(item))
    gx_suite = context.suites.add_or_update(gx_suite)
    validation = context.validation_definitions.add_or_update(
        gx.ValidationDefinition(name=suite.name, data=batch_definition, suite=gx_suite)
    )
    checkpoint = context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=f"signalhouse {suite.name}",
            validation_definitions=[validation],
            actions=[],
            result_format="SUMMARY",
        )
    )
    with warnings.catch_warnings():
        # pandas 3 deprecations inside GX's metrics; not ours to fix.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        outcome = checkpoint.run(batch_parameters={"dataframe": frame})
    failures, evaluated = [], 0
    for validation_result in outcome.run_results.values():
        for result in validation_result.results:
            evaluated += 1
            if result.success:
                continue
            config = result.expectation_config
            kwargs = {
                key: value for key, value in config.kwargs.items() if key not in ("batch_id",)
            }
            detail = result.result or {}
            failures.append(
                {
                    "expectation": config.type,
                    "kwargs": _jsonable(kwargs),
                    "observed_value": _jsonable(detail.get("observed_value")),
                    "unexpected_count": detail.get("unexpected_count"),
                    "examples": _jsonable((detail.get("partial_unexpected_list") or [])[:5]),
                    "exception": _exception(result),
                }
            )
    status = PASSED if outcome.success and not failures else FAILED
    detail = (
        f"{evaluated - len(failures)}/{evaluated} expectations met on {len(frame):,} rows"
        if status == PASSED
        else "; ".join(_describe(failure) for failure in failures)
    )
    return SuiteResult(suite.name, status, len(frame), detail, evaluated, failures)


def _exception(result) -> str | None:
    info = getattr(result, "exception_info", None) or {}
    if isinstance(info, dict) and info.get("raised_exception"):
        return str(info.get("exception_message"))
    return None


def _describe(failure: dict) -> str:
    target = failure["kwargs"].get("column") or failure["kwargs"].get("column_list") or ""
    if not target and "column_A" in failure["kwargs"]:
        target = f"{failure['kwargs']['column_A']} vs {failure['kwargs']['column_B']}"
    text = f"{failure['expectation']}({target})"
    if failure.get("exception"):
        return f"{text} raised {failure['exception']}"
    if failure["unexpected_count"] is not None:
        text += f": {failure['unexpected_count']} unexpected, e.g. {failure['examples'][:3]}"
    elif failure["observed_value"] is not None:
        text += f": observed {failure['observed_value']}"
    return text


def _jsonable(value):
    return json.loads(json.dumps(value, default=str))


def _local_path(url: str | None) -> str | None:
    if url and url.startswith("file://"):
        return url[len("file://") :]
    return url


def format_check(check: CheckResult) -> list[str]:
    """Lines for the terminal: one per suite, then where the results are."""
    lines = [
        f"expectations for batch {check.load_id}: {check.count(PASSED)} passed, "
        f"{check.count(FAILED)} failed, {check.count(SKIPPED)} skipped"
    ]
    width = max((len(result.suite) for result in check.suites), default=0)
    for result in check.suites:
        lines.append(f"  {result.status:<7}  {result.suite:<{width}}  {result.detail}")
    lines.append(f"  results JSON  {check.results_path}")
    if check.data_docs:
        lines.append(f"  Data Docs     {check.data_docs}")
    return lines
