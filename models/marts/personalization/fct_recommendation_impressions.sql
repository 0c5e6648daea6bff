-- One row per item shown: per (tenant, served event, rank), with its click and whether an
-- order followed the click within var recommendation_conversion_window_hours.
with

items as (
    select * from {{ ref('stg_segment__recommendation_items') }}
),

clicks as (
    select * from {{ ref('stg_segment__recommendation_clicks') }}
),

orders as (
    select * from {{ ref('stg_segment__orders') }}
),

analytics_events as (
    select * from {{ ref('fct_analytics_events') }}
),

tenants as (
    select * from {{ ref('tenants') }}
),

items_attributed as (
    select
        items.tenant_id,
        items.event_id,
        items.rank,
        items.request_id,
        items.item_id,
        items.score,
        analytics_events.person_id,
        analytics_events.session_id,
        analytics_events.event_at as served_at,
        coalesce(items.surface, 'unknown') as surface,
        coalesce(items.model_version, 'unknown') as model_version
    from items
    inner join analytics_events
        on
            items.tenant_id = analytics_events.tenant_id
            and items.event_id = analytics_events.event_id
),

served_minute_dates as (
    {{ local_dates_by_minute('items_attributed', 'served_at', 'tenants') }}
),

clicks_attributed as (
    select
        clicks.tenant_id,
        clicks.request_id,
        clicks.item_id,
        clicks.rank,
        analytics_events.person_id,
        min(analytics_events.event_at) as first_clicked_at,
        count(*) as click_count
    from clicks
    inner join analytics_events
        on
            clicks.tenant_id = analytics_events.tenant_id
            and clicks.event_id = analytics_events.event_id
    group by
        clicks.tenant_id,
        clicks.request_id,
        clicks.item_id,
        clicks.rank,
        analytics_events.person_id
),

orders_attributed as (
    select
        orders.tenant_id,
        analytics_events.person_id,
        analytics_events.event_at as ordered_at
    from orders
    inner join analytics_events
        on
            orders.tenant_id = analytics_events.tenant_id
            and orders.event_id = analytics_events.event_id
),

clicks_converted as (
    select
        clicks_attributed.tenant_id,
        clicks_attributed.request_id,
        clicks_attributed.item_id,
        clicks_attributed.rank,
        clicks_attributed.first_clicked_at,
        clicks_attributed.click_count,
        min(orders_attributed.ordered_at) as first_ordered_at
    from clicks_attributed
    left join orders_attributed
        on
            clicks_attributed.tenant_id = orders_attributed.tenant_id
            and clicks_attributed.person_id = orders_attributed.person_id
            and clicks_attributed.first_clicked_at <= orders_attributed.ordered_at
            and orders_attributed.ordered_at
            <= clicks_attributed.first_clicked_at
            + {{ interval_hours(var('recommendation_conversion_window_hours')) }}
    group by
        clicks_attributed.tenant_id,
        clicks_attributed.request_id,
        clicks_attributed.item_id,
        clicks_attributed.rank,
        clicks_attributed.first_clicked_at,
        clicks_attributed.click_count
),

final as (
    select
        items_attributed.tenant_id,
        items_attributed.event_id,
        items_attributed.rank,
        items_attributed.request_id,
        items_attributed.person_id,
        items_attributed.session_id,
        items_attributed.served_at,
        served_minute_dates.local_date as served_date,
        items_attributed.surface,
        items_attributed.model_version,
        items_attributed.item_id,
        items_attributed.score,
        clicks_converted.first_clicked_at,
        clicks_converted.first_ordered_at as converted_at,
        coalesce(clicks_converted.click_count, 0) as click_count,
        clicks_converted.request_id is not null as is_clicked,
        clicks_converted.first_ordered_at is not null as is_converted
    from items_attributed
    left join served_minute_dates
        on
            items_attributed.tenant_id = served_minute_dates.tenant_id
            and {{ dbt.date_trunc('minute', 'items_attributed.served_at') }}
            = served_minute_dates.minute_at
    left join clicks_converted
        on
            items_attributed.tenant_id = clicks_converted.tenant_id
            and items_attributed.request_id = clicks_converted.request_id
            and items_attributed.item_id = clicks_converted.item_id
            and items_attributed.rank = clicks_converted.rank
)

select * from final
