with

sessionized as (
    select * from {{ ref('int_events_sessionized') }}
),

tenants as (
    select * from {{ ref('tenants') }}
),

sessions_aggregated as (
    select
        tenant_id,
        session_id,
        any_value(person_id) as person_id,
        min(event_at) as started_at,
        max(event_at) as ended_at,
        count(*) as event_count,
        count(*) filter (where event_type in ('page', 'screen')) as view_count,
        count(*) filter (where event_name = 'Order Completed') as order_count,
        list_sort(list_distinct(list(platform))) as platforms,
        arg_min(platform, event_number_in_session) as first_platform,
        arg_min(
            coalesce(view_name, page_path), event_number_in_session
        ) filter (where event_type in ('page', 'screen')) as landing_view,
        arg_min(campaign_source, event_number_in_session) as first_campaign_source,
        arg_min(campaign_medium, event_number_in_session) as first_campaign_medium,
        arg_min(campaign_name, event_number_in_session) as first_campaign_name
    from sessionized
    group by tenant_id, session_id
),

sessions_localized as (
    select
        sessions_aggregated.*,
        coalesce(tenants.time_zone, 'UTC') as time_zone
    from sessions_aggregated
    left join tenants on sessions_aggregated.tenant_id = tenants.tenant_id
),

final as (
    select
        tenant_id,
        session_id,
        person_id,
        started_at,
        ended_at,
        first_platform,
        platforms,
        landing_view,
        first_campaign_source,
        first_campaign_medium,
        first_campaign_name,
        event_count,
        view_count,
        order_count,
        cast(timezone(time_zone, started_at) as date) as session_date,
        epoch(ended_at - started_at) as duration_seconds,
        epoch(ended_at - started_at) >= 10
        or view_count >= 2
        or order_count > 0 as is_engaged
    from sessions_localized
)

select * from final
