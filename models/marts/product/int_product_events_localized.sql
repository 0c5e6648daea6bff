-- Kept events inside sessions (client foreground events: what "active" means in retention,
-- active users and paths; server-side events such as emails sent are not the person's
-- activity) with the tenant-local date they happened on; tenants without a zone count in
-- UTC.
-- Incremental, event by event: a run takes again the events fct_events wrote since its own
-- last run (macro written_after_last_run; fct_events also dates the events of a person
-- whose analytics filter changed), after its pre-hook (analytics_events_changed_deleted)
-- has deleted their rows, so that an event no longer kept leaves; every event when the
-- tenants' time zones changed.
{{
    config(
        materialized=incremental_materialization(),
        incremental_strategy='delete+insert',
        unique_key=['tenant_id', 'event_id'],
        on_schema_change='fail',
        pre_hook=[
            "{{ written_columns_required(['_localized_at', '_time_zones']) }}",
            "{{ analytics_events_changed_deleted(
                ref('fct_events'), '_localized_at',
                tenant_time_zones_changed(ref('tenants'))
            ) }}",
        ],
    )
}}

-- What the pre-hook reads to find the events to delete: depends_on: {{ ref('fct_events') }}.

with

events as (
    select analytics_events.*
    from {{ ref('fct_analytics_events') }} as analytics_events
    {%- if is_incremental() %}
        where {{ written_after_last_run(
            'analytics_events._written_at', '_localized_at',
            tenant_time_zones_changed(ref('tenants'))
        ) }}
    {%- endif %}
),

tenants as (
    select * from {{ ref('tenants') }}
),

events_in_sessions as (
    select *
    from events
    where session_id is not null
),

event_minute_dates as (
    {{ local_dates_by_minute('events_in_sessions', 'event_at', 'tenants') }}
),

events_localized as (
    select
        events_in_sessions.tenant_id,
        events_in_sessions.event_id,
        events_in_sessions.person_id,
        events_in_sessions.event_type,
        events_in_sessions.event_name,
        events_in_sessions.view_name,
        events_in_sessions.page_path,
        events_in_sessions.platform,
        events_in_sessions.session_id,
        events_in_sessions.event_at,
        event_minute_dates.local_date as event_date,
        {{ tenant_time_zones_hash('tenants') }} as _time_zones,
        {{ dbt.current_timestamp() }} as _localized_at
    from events_in_sessions
    left join event_minute_dates
        on
            events_in_sessions.tenant_id = event_minute_dates.tenant_id
            and {{ dbt.date_trunc('minute', 'events_in_sessions.event_at') }}
            = event_minute_dates.minute_at
)

select * from events_localized
