-- Kept events inside sessions (client foreground events: what "active" means in retention,
-- active users and paths; server-side events such as emails sent are not the person's
-- activity) with the tenant-local date they happened on; tenants without a zone count in
-- UTC.
with

events as (
    select * from {{ ref('fct_analytics_events') }}
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
        event_minute_dates.local_date as event_date
    from events_in_sessions
    left join event_minute_dates
        on
            events_in_sessions.tenant_id = event_minute_dates.tenant_id
            and {{ dbt.date_trunc('minute', 'events_in_sessions.event_at') }}
            = event_minute_dates.minute_at
)

select * from events_localized
