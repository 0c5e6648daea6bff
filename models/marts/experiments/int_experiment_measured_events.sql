-- Every analytics event an experiment metric counts, with its person and what it measures.
-- A table of its own: in the same query as fct_experiment_person_metrics'
-- per-person-and-session aggregate, any aggregate over those groups ran out of a 1 GiB
-- memory limit at 10M events with DuckDB's two threads; with these joins materialized first
-- it passed (issue #12). That the joins' hash tables were what filled memory is a guess.
-- Incremental, event by event: a run takes again the events fct_events wrote since its own
-- last run (macro written_after_last_run; fct_events also dates the events of a person
-- whose analytics filter changed), after its pre-hook (analytics_events_changed_deleted)
-- has deleted their rows, so that an event no longer kept, or no longer measured, leaves).
{{
    config(
        materialized=incremental_materialization(),
        incremental_strategy='delete+insert',
        unique_key=['tenant_id', 'event_id'],
        on_schema_change='fail',
        pre_hook="{{ analytics_events_changed_deleted(ref('fct_events'), '_measured_at') }}",
    )
}}

-- What the pre-hook reads to find the events to delete: depends_on: {{ ref('fct_events') }}.

with

analytics_events as (
    select changed_analytics_events.*
    from {{ ref('fct_analytics_events') }} as changed_analytics_events
    {%- if is_incremental() %}
        where {{ written_after_last_run('changed_analytics_events._written_at', '_measured_at') }}
    {%- endif %}
),

orders as (
    select * from {{ ref('stg_segment__orders') }}
),

recommendations as (
    select * from {{ ref('stg_segment__recommendations') }}
),

recommendation_clicks as (
    select * from {{ ref('stg_segment__recommendation_clicks') }}
),

-- Events analytics may count only, with a person: orders, recommendation requests and
-- clicks, and any other event of a session (sessions are counted from them).
measured_events as (
    select
        analytics_events.tenant_id,
        analytics_events.event_id,
        analytics_events.person_id,
        analytics_events.event_at,
        analytics_events.session_id,
        orders.revenue,
        orders.currency,
        case
            when orders.event_id is not null then 'order'
            when recommendations.event_id is not null then 'rec_request'
            when recommendation_clicks.event_id is not null then 'rec_click'
            else 'session_event'
        end as measure,
        {{ dbt.current_timestamp() }} as _measured_at
    from analytics_events
    left join orders
        on
            analytics_events.tenant_id = orders.tenant_id
            and analytics_events.event_id = orders.event_id
    left join recommendations
        on
            analytics_events.tenant_id = recommendations.tenant_id
            and analytics_events.event_id = recommendations.event_id
    left join recommendation_clicks
        on
            analytics_events.tenant_id = recommendation_clicks.tenant_id
            and analytics_events.event_id = recommendation_clicks.event_id
    where
        analytics_events.person_id is not null
        and (
            orders.event_id is not null
            or recommendations.event_id is not null
            or recommendation_clicks.event_id is not null
            or analytics_events.session_id is not null
        )
)

select * from measured_events
