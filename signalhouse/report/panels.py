"""The report's panels: a registry of mart -> panel.

A panel names the relations it reads and renders HTML from a read-only connection. A panel
whose relation is absent is shown as "skipped: mart not built". Add one in a few lines:

    PANELS.append(Panel(
        name="my_topic",
        title="My topic",
        relations=("marts.rpt_my_topic",),
        render=lambda ctx: ctx.chart("my_topic", svg.hbar_chart(
            ctx.rows("select label, value from marts.rpt_my_topic"), "My topic"), "caption"),
    ))

Charts where people would rather look than read (trends, funnels, heatmaps, intervals);
tables where they would rather read (gate results, freshness, exact counts).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from html import escape

from signalhouse.report import svg


@dataclass(frozen=True)
class Panel:
    name: str
    title: str
    relations: tuple[str, ...]
    render: Callable[[RenderContext], str]
    description: str = ""


class RenderContext:
    """What a panel may use: the read-only connection, the latest run manifest, helpers."""

    def __init__(self, con, manifest: dict | None):
        self.con = con
        self.manifest = manifest or {}

    def rows(self, sql: str, params: list | None = None) -> list[tuple]:
        return self.con.execute(sql, params or []).fetchall()

    def columns(self, relation: str) -> list[str]:
        schema, name = relation.split(".", 1)
        return [
            row[0]
            for row in self.rows(
                "select column_name from information_schema.columns "
                "where table_schema = ? and table_name = ? order by ordinal_position",
                [schema, name],
            )
        ]

    def pick(self, relation: str, *candidates: str) -> str | None:
        """The first candidate column the relation has (marts name things their own way)."""
        present = self.columns(relation)
        return next((c for c in candidates if c in present), None)

    @staticmethod
    def chart(name: str, svg_markup: str, caption: str = "") -> str:
        return (
            f'<figure class="chart" data-chart="{escape(name)}">{svg_markup}'
            f"<figcaption>{escape(caption)}</figcaption></figure>"
        )

    @staticmethod
    def table(headers: list[str], rows: list, caption: str = "") -> str:
        head = "".join(f"<th>{escape(str(h))}</th>" for h in headers)
        body = "".join(
            "<tr>" + "".join(f"<td>{_cell(value)}</td>" for value in row) + "</tr>" for row in rows
        )
        cap = f"<caption>{escape(caption)}</caption>" if caption else ""
        return (
            f'<table class="data">{cap}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'
        )

    def preview(self, relation: str, note: str = "", limit: int = 30) -> str:
        """A plain table of a mart's first rows, when a chart's columns are not there."""
        columns = self.columns(relation)[:10]
        quoted = ", ".join(f'"{c}"' for c in columns)
        rows = self.rows(f"select {quoted} from {relation} limit {limit}")
        text = f'<p class="note">{escape(note)}</p>' if note else ""
        return text + self.table(columns, rows, f"{relation}: first {len(rows)} rows")


def _cell(value) -> str:
    if isinstance(value, float):
        return f"{value:,.4g}"
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    return escape("" if value is None else str(value))


# --- panels for what exists on main ------------------------------------------------------


def _sessions_per_day(ctx: RenderContext) -> str:
    data = ctx.rows(
        "select tenant_id, session_date, count(*) from marts.fct_sessions "
        "group by all order by session_date, tenant_id"
    )
    days = sorted({str(day) for _, day, _ in data})
    series: dict[str, list[float]] = {}
    for tenant, day, count in data:
        series.setdefault(tenant, [0.0] * len(days))[days.index(str(day))] = count
    return ctx.chart(
        "sessions_per_day",
        svg.line_chart(days, series, "Sessions per day by tenant"),
        "Sessions per day (tenant's local calendar), one line per tenant.",
    )


def _gate_results(ctx: RenderContext) -> str:
    manifest = ctx.manifest
    if not manifest:
        return '<p class="note">No run manifest yet: run `signalhouse nightly`.</p>'
    parts = []
    counts = (manifest.get("dbt") or {}).get("counts") or {}
    rows = [
        (kind, ", ".join(f"{status} {n}" for status, n in sorted(by_status.items())))
        for kind, by_status in sorted(counts.items())
    ]
    parts.append(ctx.table(["dbt nodes", "by status"], rows, "dbt build"))
    not_passing = (manifest.get("dbt") or {}).get("not_passing") or []
    if not_passing:
        parts.append(
            ctx.table(
                ["dbt node", "status", "failing rows", "message"],
                [
                    (n["unique_id"], n["status"], n.get("failures"), n.get("message"))
                    for n in not_passing
                ],
                "dbt nodes that did not pass (failing rows: schema audit)",
            )
        )
    suites = (manifest.get("expectations") or {}).get("suites") or []
    parts.append(
        ctx.table(
            ["expectation suite", "status", "rows", "detail"],
            [(s["suite"], s["status"], s.get("rows"), s.get("detail")) for s in suites],
            "Great Expectations (skipped: mart not built)",
        )
    )
    freshness = manifest.get("freshness") or []
    parts.append(
        ctx.table(
            ["source", "freshness", "newest load", "age (h)"],
            [(f["source"], f["status"], f["max_loaded_at"], f["age_hours"]) for f in freshness],
            "Source freshness (warn after 26 h, error after 50 h)",
        )
    )
    return "".join(parts)


def _data_quality(ctx: RenderContext) -> str:
    parts = []
    reasons = ctx.rows(
        "select reason, count(*) from raw.quarantine group by reason order by 2 desc, 1"
    )
    if reasons:
        parts.append(
            ctx.chart(
                "quarantine_by_reason",
                svg.hbar_chart(reasons, "Quarantined lines by reason"),
                "Quarantined lines by reason, all loads (see raw.quarantine).",
            )
        )
    else:
        parts.append('<p class="note">No line has ever been quarantined.</p>')
    this_run = (ctx.manifest.get("ingest") or {}).get("quarantine_by_reason") or {}
    totals = ctx.rows(
        "select count(*), sum(lines_loaded), sum(lines_quarantined), sum(lines_blank) "
        "from raw.files"
    )[0]
    parts.append(
        ctx.table(
            ["files", "lines loaded", "lines quarantined", "blank lines", "quarantined this run"],
            [(*totals, ", ".join(f"{k} {v}" for k, v in this_run.items()) or "none")],
            "Ingest ledger totals (raw.files)",
        )
    )
    if "stg_segment__event_duplicates" in {
        r[0]
        for r in ctx.rows(
            "select table_name from information_schema.tables where table_schema = 'staging'"
        )
    }:
        dedup = ctx.rows(
            "select reason, count(*) from staging.stg_segment__event_duplicates "
            "group by reason order by reason"
        )
        staged = ctx.rows("select count(*) from staging.stg_segment__events")[0][0]
        parts.append(
            ctx.table(
                ["removed copies", "count"],
                [*dedup, ("events kept (staging)", staged)],
                "Deduplication (staging.stg_segment__event_duplicates)",
            )
        )
    loads = ctx.rows(
        "select tenant_id, max(_loaded_at), count(*) from raw.events group by 1 order by 1"
    )
    parts.append(
        ctx.table(
            ["tenant", "newest load", "events in raw"], loads, "Freshness of raw.events by tenant"
        )
    )
    parts.append(_gate_results(ctx))
    history = []
    if "run_manifests" in {
        r[0]
        for r in ctx.rows(
            "select table_name from information_schema.tables where table_schema = 'audit'"
        )
    }:
        history = ctx.rows(
            "select run_id, status, exit_code, files_loaded, lines_loaded, lines_quarantined, "
            "dbt_tests_passed, dbt_tests_failed, expectations_passed, expectations_failed "
            "from audit.run_manifests order by started_at desc limit 14"
        )
    parts.append(
        ctx.table(
            [
                "run",
                "status",
                "exit",
                "files",
                "lines",
                "quarantined",
                "tests ok",
                "tests failed",
                "suites ok",
                "suites failed",
            ],
            history,
            "Published runs (audit.run_manifests)",
        )
    )
    return "".join(parts)


# --- panels for marts other branches are building (charts if their columns are there) ----


def _funnels(ctx: RenderContext) -> str:
    relation = "marts.rpt_funnel_steps"
    parts = []
    for tenant, funnel in ctx.rows(
        f"select distinct tenant_id, funnel_id from {relation} "
        "where breakdown_type = 'all' order by 1, 2"
    ):
        steps = ctx.rows(
            f"select step_index || '. ' || step_name, persons_completed from {relation} "
            "where tenant_id = ? and funnel_id = ? and breakdown_type = 'all' "
            "order by step_index",
            [tenant, funnel],
        )
        parts.append(
            ctx.chart(
                f"funnel_{tenant}_{funnel}",
                svg.hbar_chart(steps, f"Funnel {funnel} ({tenant})"),
                f"Funnel {funnel}, tenant {tenant}: persons completing each step.",
            )
        )
    return "".join(parts) or ctx.preview(relation, "no funnel rows yet")


def _retention(ctx: RenderContext) -> str:
    relation = "marts.rpt_retention"
    # One heatmap per tenant: the first weekly n-day definition, observable cells only (a period
    # that has not ended is not a zero).
    parts = []
    for tenant, retention_id, mode in ctx.rows(
        f"select tenant_id, min(retention_id), 'n_day' from {relation} "
        "where cohort_grain = 'week' and retention_mode = 'n_day' group by 1 order by 1"
    ):
        data = ctx.rows(
            f"select cohort_start_date::varchar, period_index::varchar, retention_rate "
            f"from {relation} where tenant_id = ? and retention_id = ? and cohort_grain = "
            "'week' and retention_mode = ? and is_observable order by 1, period_index",
            [tenant, retention_id, mode],
        )
        cohorts = sorted({c for c, _, _ in data})
        periods = list(dict.fromkeys(p for _, p, _ in data))
        values = {(c, p): v for c, p, v in data}
        parts.append(
            ctx.chart(
                f"retention_heatmap_{tenant}",
                svg.heatmap(cohorts, periods, values, f"Weekly retention ({tenant})"),
                f"{retention_id} ({mode}), tenant {tenant}: share of each weekly cohort "
                "active in each later week; unfinished weeks are left blank.",
            )
        )
    return "".join(parts) or ctx.preview(relation, "no weekly retention rows yet")


def _attribution(ctx: RenderContext) -> str:
    relation = "marts.rpt_attribution_by_channel"
    data = ctx.rows(
        f"select channel, attribution_model, sum(conversions_credited) from {relation} "
        "group by 1, 2"
    )
    if not data:
        return ctx.preview(relation, "no attributed conversions yet")
    markov = "marts.rpt_attribution_markov"
    if ctx.columns(markov):
        data += ctx.rows(
            f"select channel, 'markov', sum(conversions_credited) from {markov} group by 1"
        )
    channels = sorted({c for c, _, _ in data})
    series: dict[str, list[float]] = {}
    for channel, name, amount in data:
        series.setdefault(name, [0.0] * len(channels))[channels.index(channel)] = amount
    return ctx.chart(
        "attribution_by_channel",
        svg.grouped_bar_chart(channels, series, "Attribution by channel and model"),
        "Conversions credited to each channel, one bar per attribution model (all tenants); "
        "markov: removal-effect credit over all journeys (rpt_attribution_markov).",
    )


def _experiments(ctx: RenderContext) -> str:
    relation = "marts.rpt_experiment_results"
    data = ctx.rows(
        f"select concat_ws(' / ', tenant_id, experiment_id, variant_id, metric_id), "
        "relative_difference, relative_ci_lower, relative_ci_upper "
        f"from {relation} where not is_control and relative_difference is not null "
        "and adjustment = 'none' and dimension_name = 'overall' "
        "and metric_role = 'primary' order by 1"
    )
    chart = ctx.chart(
        "experiment_intervals",
        svg.interval_chart(data, "Relative effect with 95% confidence intervals"),
        "Relative difference of each variant from control on its primary metric.",
    )
    flagged = ctx.rows(
        "select count(*) from marts.rpt_experiment_health where is_sample_ratio_mismatch"
    )[0][0]
    note = f'<p class="note">Variants flagged for sample-ratio mismatch: {flagged}.</p>'
    return chart + note


def _api_latency(ctx: RenderContext) -> str:
    relation = "marts.rpt_api_endpoint_daily"
    endpoint = ctx.pick(relation, "endpoint", "route", "path")
    percentiles = [
        c
        for c in ctx.columns(relation)
        if any(p in c for p in ("p50", "p90", "p95", "p99")) and "latency" in c
    ]
    if not (endpoint and percentiles):
        return ctx.preview(relation, "chart needs endpoint and latency percentile columns")
    aggregates = ", ".join(f"avg({c})" for c in percentiles)
    data = ctx.rows(f"select {endpoint}, {aggregates} from {relation} group by 1 order by 1")
    endpoints = [row[0] for row in data]
    series = {c: [row[i + 1] for row in data] for i, c in enumerate(percentiles)}
    return ctx.chart(
        "api_latency_percentiles",
        svg.grouped_bar_chart(endpoints, series, "API latency percentiles by endpoint"),
        "Latency percentiles per endpoint (mean of daily values, ms).",
    )


def _stage_funnel(relation: str, stages: tuple[str, ...]) -> Callable[[RenderContext], str]:
    """A funnel chart from stage count columns (`sent`, `sent_count`, `emails_sent`, ...)."""

    def render(ctx: RenderContext) -> str:
        columns = ctx.columns(relation)
        found = []
        for stage in stages:
            column = next(
                (c for c in columns if c in (stage, f"{stage}_count") or c.endswith(f"_{stage}")),
                None,
            )
            if column:
                found.append((stage, column))
        if len(found) < 2:
            return ctx.preview(relation, f"chart needs stage counts ({', '.join(stages)})")
        totals = ctx.rows(
            "select " + ", ".join(f'sum("{column}")' for _, column in found) + f" from {relation}"
        )[0]
        name = relation.split(".")[-1]
        return ctx.chart(
            name,
            svg.hbar_chart(
                [(stage, total) for (stage, _), total in zip(found, totals, strict=True)], name
            ),
            f"{relation}: totals per stage, all tenants.",
        ) + ctx.preview(relation)

    return render


def _preview(relation: str, note: str = "") -> Callable[[RenderContext], str]:
    return lambda ctx: ctx.preview(relation, note)


PANELS: list[Panel] = [
    Panel(
        "data_quality",
        "Data quality",
        ("raw.events", "raw.files", "raw.quarantine"),
        _data_quality,
        "Quarantine by reason, deduplication, gate results, freshness and run history.",
    ),
    Panel("sessions", "Sessions per day", ("marts.fct_sessions",), _sessions_per_day),
    Panel("funnels", "Funnels", ("marts.rpt_funnel_steps",), _funnels),
    Panel("retention", "Retention", ("marts.rpt_retention",), _retention),
    Panel("attribution", "Attribution", ("marts.rpt_attribution_by_channel",), _attribution),
    Panel(
        "experiments",
        "Experiments",
        ("marts.rpt_experiment_results", "marts.rpt_experiment_health"),
        _experiments,
    ),
    Panel(
        "notifications",
        "Notification funnel",
        ("marts.rpt_notification_funnel",),
        _stage_funnel(
            "marts.rpt_notification_funnel", ("sent", "delivered", "displayed", "opened")
        ),
    ),
    Panel(
        "emails",
        "E-mail campaigns",
        ("marts.rpt_email_campaigns",),
        _stage_funnel("marts.rpt_email_campaigns", ("sent", "delivered", "opened", "clicked")),
    ),
    Panel("sync", "Sync health", ("marts.rpt_sync_health",), _preview("marts.rpt_sync_health")),
    Panel("api", "API latency", ("marts.rpt_api_endpoint_daily",), _api_latency),
]
