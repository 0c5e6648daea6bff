"""Great Expectations suites that gate the nightly run, as code: the registry.

Each `Suite` names the relations it reads, a SQL query that returns a *bounded* frame (the
new load batch, the rows that batch touched, or a small aggregate mart) and the expectations
to run on it, written with GX 1.x expectation names (`expect_...`) and their arguments.
`signalhouse check` (signalhouse/check.py) runs one GX checkpoint per suite through GX's
pandas path. A suite whose relation is not in the warehouse is reported as
"skipped: mart not built": never a failure, never a silent pass.

Add a suite for a new mart in a few lines:

    SUITES.append(Suite(
        name="marts.rpt_my_topic",
        relations=("marts.rpt_my_topic",),
        sql="select * from marts.rpt_my_topic",
        expectations=(
            expect("table_row_count_to_be_between", min_value=1),
            expect("column_values_to_be_between", column="rate", min_value=0, max_value=1),
        ),
    ))

For a small aggregate mart checked whole: `SUITES.append(whole_mart("marts.rpt_x", rate("r")))`.

SQL parameters: `$load_id` (the batch checked) and `$batch_loaded_from` (the earliest
`_loaded_at` of that batch). Derive any column an expectation needs in the SQL (a lag, a sum
per group, a count of violating rows) so that the frame stays small: DuckDB does the heavy
lifting, GX validates what it returns. Event-grain suites return counts per group, never one
row per event (a night of tens of millions of events would not fit in pandas).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parent.parent / "contract" / "events" / "catalogue.json"
EPSILON = 1e-6


@dataclass(frozen=True)
class Expect:
    """One expectation: a GX 1.x expectation type (`expect_...`) and its arguments."""

    type: str
    kwargs: dict = field(default_factory=dict)


def expect(name: str, **kwargs) -> Expect:
    """`expect("column_values_to_not_be_null", column="x")`: the `expect_` prefix is implied."""
    return Expect(name if name.startswith("expect_") else f"expect_{name}", kwargs)


@dataclass(frozen=True)
class Suite:
    """A named suite: relations it needs, a bounded SQL frame and expectations on it."""

    name: str
    relations: tuple[str, ...]
    sql: str
    expectations: tuple[Expect, ...]
    description: str = ""


def not_null(*columns: str) -> tuple[Expect, ...]:
    return tuple(expect("column_values_to_not_be_null", column=column) for column in columns)


def unique(*columns: str) -> Expect:
    if len(columns) == 1:
        return expect("column_values_to_be_unique", column=columns[0])
    return expect("compound_columns_to_be_unique", column_list=list(columns))


def rate(column: str) -> Expect:
    return expect("column_values_to_be_between", column=column, min_value=0, max_value=1)


def zero(*columns: str) -> tuple[Expect, ...]:
    """Counts of violations computed in SQL: each must be 0."""
    return tuple(
        expect("column_values_to_be_between", column=column, min_value=0, max_value=0)
        for column in columns
    )


def always_true(column: str) -> Expect:
    """The SQL derived a boolean that states an invariant; every row must hold it."""
    return expect("column_values_to_be_in_set", column=column, value_set=[True])


def whole_mart(relation: str, *expectations: Expect, description: str = "") -> Suite:
    """A suite over a whole (small, aggregate) mart, named after it."""
    return Suite(
        name=relation,
        relations=(relation,),
        sql=f"select * from {relation}",
        expectations=expectations,
        description=description,
    )


def catalogued_track_events() -> list[str]:
    catalogue = json.loads(CATALOGUE.read_text())
    return sorted(e["event"] for e in catalogue["events"] if e["type"] == "track" and e["event"])


PLATFORMS = ["web", "ios", "android", "mobile", "backend", "unknown"]
EARLIEST_TIMESTAMP = "2000-01-01 00:00:00+00"
BATCH_EVENTS = "select * from marts.fct_events where _loaded_at >= $batch_loaded_from"
# Copies of an event id within a tenant, over the CTE `batch`: the key is (tenant, event).
DUPLICATES_PER_TENANT = """
            duplicates as (
                select tenant_id, count(*) - count(distinct event_id) as duplicate_event_ids
                from batch
                group by tenant_id
            )
"""

SUITES: list[Suite] = [
    Suite(
        name="raw.batch",
        description=(
            "The rows this run's ingest added to raw.events (its load id), counted in DuckDB "
            "per tenant, file, type and track event: tens of millions of rows become a few "
            "thousand, and an unknown event name still shows up by name."
        ),
        relations=("raw.events",),
        sql=f"""
            select
                tenant_id,
                _source_file,
                type,
                case when type = 'track' then event end as track_event,
                count(*) as row_count,
                count(*) filter (where message_id is null) as null_message_ids,
                count(*) filter (
                    where coalesce(anonymous_id, user_id, previous_id) is null
                ) as rows_without_identifier,
                count(*) filter (where payload is null) as null_payloads,
                count(*) filter (
                    where _line_number is null or _file_sha256 is null or _loaded_at is null
                ) as rows_without_lineage,
                count(*) filter (
                    where received_at > _loaded_at + interval 1 day
                ) as received_after_load,
                count(*) filter (
                    where not coalesce(timestamp_at, original_timestamp_at) between
                        timestamptz '{EARLIEST_TIMESTAMP}' and _loaded_at + interval 366 day
                ) as timestamps_out_of_range
            from raw.events
            where _load_id = $load_id
            group by all
        """,
        expectations=(
            expect("table_row_count_to_be_between", min_value=1),
            *not_null("tenant_id", "_source_file", "type"),
            expect(
                "column_values_to_be_in_set",
                column="type",
                value_set=["track", "identify", "page", "screen", "alias", "group"],
            ),
            expect(
                "column_values_to_be_in_set",
                column="track_event",
                value_set=catalogued_track_events(),
            ),
            *zero(
                "null_message_ids",
                "rows_without_identifier",
                "null_payloads",
                "rows_without_lineage",
                "received_after_load",
                "timestamps_out_of_range",
            ),
        ),
    ),
    Suite(
        name="staging.events",
        description="Staged events of this run's batch: deduplicated, typed, skew-corrected.",
        relations=("staging.stg_segment__events",),
        sql=f"""
            with

            batch as (
                select * from staging.stg_segment__events where _load_id = $load_id
            ),

            {DUPLICATES_PER_TENANT},

            grouped as (
                select
                    tenant_id, event_type, timestamp_source, platform,
                    count(*) as row_count,
                    count(*) filter (where event_id is null) as null_event_ids,
                    count(*) filter (where event_at is null) as null_event_ats,
                    count(*) filter (
                        where event_at > _loaded_at + interval 1 minute
                    ) as events_after_load
                from batch
                group by all
            )

            select
                grouped.*,
                -- The tenant's count once, on its first group.
                case
                    when row_number() over (
                        partition by grouped.tenant_id
                        order by event_type, timestamp_source, platform
                    ) = 1
                        then duplicates.duplicate_event_ids
                    else 0
                end as duplicate_event_ids
            from grouped
            left join duplicates on grouped.tenant_id = duplicates.tenant_id
        """,
        expectations=(
            *not_null("tenant_id", "event_type", "timestamp_source"),
            expect(
                "column_values_to_be_in_set",
                column="timestamp_source",
                value_set=["skew_corrected", "timestamp", "received_at"],
            ),
            expect("column_values_to_be_in_set", column="platform", value_set=PLATFORMS),
            *zero("null_event_ids", "null_event_ats", "events_after_load", "duplicate_event_ids"),
        ),
    ),
    Suite(
        name="marts.fct_events",
        description="Events staged since this batch started loading, with person and session.",
        relations=("marts.fct_events",),
        sql=f"""
            with

            batch as ({BATCH_EVENTS}),

            {DUPLICATES_PER_TENANT},

            grouped as (
                select
                    tenant_id, platform,
                    count(*) as row_count,
                    count(*) filter (where event_id is null) as null_event_ids,
                    count(*) filter (where event_at is null) as null_event_ats,
                    count(*) filter (
                        where session_id is not null
                        and platform not in ('web', 'ios', 'android', 'mobile')
                    ) as server_events_in_sessions
                from batch
                group by all
            )

            select
                grouped.*,
                case
                    when row_number() over (
                        partition by grouped.tenant_id order by platform
                    ) = 1
                        then duplicates.duplicate_event_ids
                    else 0
                end as duplicate_event_ids
            from grouped
            left join duplicates on grouped.tenant_id = duplicates.tenant_id
        """,
        expectations=(
            *not_null("tenant_id"),
            expect("column_values_to_be_in_set", column="platform", value_set=PLATFORMS),
            *zero(
                "null_event_ids",
                "null_event_ats",
                "server_events_in_sessions",
                "duplicate_event_ids",
            ),
        ),
    ),
    Suite(
        name="marts.fct_sessions",
        description="The sessions this batch's events belong to.",
        relations=("marts.fct_sessions", "marts.fct_events"),
        sql=f"""
            select
                tenant_id, session_id, person_id, started_at, ended_at, duration_seconds,
                first_platform, first_channel, event_count
            from marts.fct_sessions
            where session_id in (
                select session_id from ({BATCH_EVENTS}) where session_id is not null
            )
        """,
        expectations=(
            *not_null("tenant_id", "session_id", "person_id", "started_at", "first_channel"),
            unique("tenant_id", "session_id"),
            expect("column_values_to_be_between", column="duration_seconds", min_value=0),
            expect("column_values_to_be_between", column="event_count", min_value=1),
            expect(
                "column_pair_values_a_to_be_greater_than_b",
                column_A="ended_at",
                column_B="started_at",
                or_equal=True,
            ),
            expect(
                "column_values_to_be_in_set",
                column="first_platform",
                value_set=["web", "ios", "android", "mobile"],
            ),
        ),
    ),
    Suite(
        name="marts.dim_persons",
        description="The persons of this batch's events.",
        relations=("marts.dim_persons", "marts.fct_events"),
        sql=f"""
            select
                tenant_id, person_id, is_identified, is_bot, first_seen_at, last_seen_at,
                first_platform
            from marts.dim_persons
            where person_id in (select person_id from ({BATCH_EVENTS}))
        """,
        expectations=(
            *not_null("tenant_id", "person_id", "is_identified", "is_bot", "first_seen_at"),
            unique("tenant_id", "person_id"),
            expect(
                "column_pair_values_a_to_be_greater_than_b",
                column_A="last_seen_at",
                column_B="first_seen_at",
                or_equal=True,
            ),
            expect("column_values_to_be_in_set", column="first_platform", value_set=PLATFORMS),
        ),
    ),
    Suite(
        name="marts.dim_identity_map",
        description="The identifiers of this batch's persons.",
        relations=("marts.dim_identity_map", "marts.fct_events"),
        sql=f"""
            select tenant_id, identifier_type, identifier, person_id
            from marts.dim_identity_map
            where person_id in (select person_id from ({BATCH_EVENTS}))
        """,
        expectations=(
            *not_null("tenant_id", "identifier_type", "identifier", "person_id"),
            unique("tenant_id", "identifier_type", "identifier"),
            expect(
                "column_values_to_be_in_set",
                column="identifier_type",
                value_set=["user_id", "anonymous_id", "previous_id", "device_id", "email_hash"],
            ),
        ),
    ),
]

# Suites for marts other branches are building. The column names follow the marts' planned
# names; each is skipped ("mart not built") until its mart exists, and fails with a clear
# message if the mart lacks a column named here (then align the suite with the mart).
SUITES += [
    Suite(
        name="marts.rpt_funnel_steps",
        description="Funnel steps: rates in [0, 1], completions never increase step to step.",
        relations=("marts.rpt_funnel_steps",),
        sql="""
            select
                *,
                lag(persons_completed) over (
                    partition by tenant_id, funnel_id, breakdown_type, breakdown_value
                    order by step_index
                ) as persons_at_previous_step
            from marts.rpt_funnel_steps
        """,
        expectations=(
            *not_null("tenant_id", "funnel_id", "step_index", "persons_completed"),
            rate("conversion_from_start"),
            rate("conversion_from_previous"),
            expect(
                "column_pair_values_a_to_be_greater_than_b",
                column_A="persons_at_previous_step",
                column_B="persons_completed",
                or_equal=True,
                ignore_row_if="either_value_is_missing",
            ),
        ),
    ),
    whole_mart("marts.rpt_retention", rate("retention_rate")),
    Suite(
        name="marts.fct_attribution_credits",
        description="Per conversion and model, credits sum to 1.",
        relations=("marts.fct_attribution_credits",),
        sql="""
            select tenant_id, conversion_id, attribution_model, sum(credit) as credit_sum,
                min(credit) as min_credit
            from marts.fct_attribution_credits
            group by tenant_id, conversion_id, attribution_model
        """,
        expectations=(
            expect(
                "column_values_to_be_between",
                column="credit_sum",
                min_value=1 - EPSILON,
                max_value=1 + EPSILON,
            ),
            rate("min_credit"),
        ),
    ),
    whole_mart(
        "marts.rpt_attribution_by_channel", *not_null("tenant_id", "attribution_model", "channel")
    ),
    whole_mart("marts.rpt_active_users", *not_null("tenant_id")),
    Suite(
        name="marts.rpt_experiment_results",
        description="Experiment results: keys present, p-values in [0, 1].",
        relations=("marts.rpt_experiment_results",),
        sql="select * from marts.rpt_experiment_results",
        expectations=(
            *not_null("tenant_id", "experiment_id", "variant_id", "metric_id"),
            rate("p_value"),
            rate("p_value_holm"),
            rate("p_value_benjamini_hochberg"),
        ),
    ),
    Suite(
        name="marts.rpt_experiment_health",
        description="Every experiment variant carries a sample-ratio-mismatch flag.",
        relations=("marts.rpt_experiment_health",),
        sql="select * from marts.rpt_experiment_health",
        expectations=(
            expect("column_to_exist", column="is_sample_ratio_mismatch"),
            *not_null("tenant_id", "experiment_id", "variant_id", "is_sample_ratio_mismatch"),
            rate("srm_p_value"),
        ),
    ),
    Suite(
        name="marts.fct_experiment_assignments",
        relations=("marts.fct_experiment_assignments",),
        sql="""
            select tenant_id, experiment_id, person_id, count(*) as assignments
            from marts.fct_experiment_assignments
            group by tenant_id, experiment_id, person_id
        """,
        expectations=(expect("column_values_to_be_between", column="assignments", max_value=1),),
    ),
    whole_mart("marts.rpt_notification_funnel", *not_null("tenant_id")),
    whole_mart("marts.rpt_email_campaigns", *not_null("tenant_id")),
    whole_mart("marts.rpt_sync_health", *not_null("tenant_id")),
    whole_mart("marts.rpt_api_endpoint_daily", *not_null("tenant_id")),
]
