-- Kept events inside sessions (client foreground events: what "active" means in retention,
-- active users and paths; server-side events such as emails sent are not the person's
-- activity) with the tenant-local date they happened on; tenants without a zone count in
-- UTC.
-- Incremental, event by event: a run takes again the events fct_events wrote since its own
-- last run and every event of a person whose analytics filter changed since (macro
-- analytics_events_changed; its pre-hook first deletes their rows, so an event no longer
-- kept leaves), or every event when the tenants' time zones changed.
{{
    config(
        materialized=incremental_materialization(),
        incremental_strategy='delete+insert',
        unique_key=['tenant_id', 'event_id'],
        on_schema_change='fail',
        pre_hook=[
            "{{ written_columns_required(['_localized_at', '_time_zones']) }}",
            "{{ analytics_events_changed_deleted(
                ref('fct_events'), ref('dim_persons'), '_localized_at',
                tenant_time_zones_changed(ref('tenants'))
            ) }}",
        ],
    )
}}

-- What an incremental run reads to find its events: depends_on: {{ ref('fct_events') }},
-- {{ ref('dim_persons') }}.

with

events as (
    select analytics_events.*
    from {{ ref('fct_analytics_events') }} as analytics_events
    {%- if is_incremental() %}
        inner join (
            {{ analytics_events_changed(
                ref('fct_events'), ref('dim_persons'), '_localized_at',
                tenant_time_zones_changed(ref('tenants'))
            ) }}
        ) as events_changed
            on
                analytics_events.tenant_id = events_changed.tenant_id
                and analytics_events.event_id = events_changed.event_id
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
