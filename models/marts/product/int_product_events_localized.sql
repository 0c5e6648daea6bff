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

events_localized as (
    select
        events.tenant_id,
        events.event_id,
        events.person_id,
        events.event_type,
        events.event_name,
        events.view_name,
        events.page_path,
        events.platform,
        events.session_id,
        events.event_at,
        {{ local_date(
            "coalesce(tenants.time_zone, 'UTC')", 'events.event_at'
        ) }} as event_date
    from events
    left join tenants
        on events.tenant_id = tenants.tenant_id
    where events.session_id is not null
)

select * from events_localized
