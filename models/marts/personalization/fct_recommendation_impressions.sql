-- One row per item shown: per (tenant, served event, rank), with its click and whether an
-- order followed the click within var recommendation_conversion_window_hours.
-- Incremental, served event by served event: a run derives again the items of the served
-- events fct_events wrote since its own last run (its pre-hook first deletes their rows, so
-- an event no longer kept leaves), every item when the tenants' time zones changed, and
-- gives the other rows whose click or conversion is no longer the current one (clicks and
-- orders are few: they are attributed whole each run) the current one.
{{
    config(
        materialized=incremental_materialization(),
        incremental_strategy='delete+insert',
        unique_key=['tenant_id', 'event_id', 'rank'],
        on_schema_change='fail',
        pre_hook=[
            "{{ written_columns_required(['_impressed_at', '_time_zones']) }}",
            "{{ analytics_events_changed_deleted(
                ref('fct_events'), '_impressed_at',
                tenant_time_zones_changed(ref('tenants'))
            ) }}",
        ],
    )
}}

-- What the pre-hook reads to find the events to delete: depends_on: {{ ref('fct_events') }}.

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

-- The served events to derive: on an incremental run, those written since its last run.
served_events as (
    select analytics_events.*
    from {{ ref('fct_analytics_events') }} as analytics_events
    {%- if is_incremental() %}
        where {{ written_after_last_run(
            'analytics_events._written_at', '_impressed_at',
            tenant_time_zones_changed(ref('tenants'))
        ) }}
    {%- endif %}
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
        served_events.person_id,
        served_events.session_id,
        served_events.event_at as served_at,
        coalesce(items.surface, 'unknown') as surface,
        coalesce(items.model_version, 'unknown') as model_version
    from items
    inner join served_events
        on
            items.tenant_id = served_events.tenant_id
            and items.event_id = served_events.event_id
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

items_dated as (
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
        items_attributed.score
    from items_attributed
    left join served_minute_dates
        on
            items_attributed.tenant_id = served_minute_dates.tenant_id
            and {{ dbt.date_trunc('minute', 'items_attributed.served_at') }}
            = served_minute_dates.minute_at
),

-- An incremental run also rewrites the rows it keeps whose click or conversion changed.
items_to_write as (
    select * from items_dated
    {%- if is_incremental() %}
        union all
        select
            impressed.tenant_id,
            impressed.event_id,
            impressed.rank,
            impressed.request_id,
            impressed.person_id,
            impressed.session_id,
            impressed.served_at,
            impressed.served_date,
            impressed.surface,
            impressed.model_version,
            impressed.item_id,
            impressed.score
        from {{ this }} as impressed
        left join clicks_converted
            on
                impressed.tenant_id = clicks_converted.tenant_id
                and impressed.request_id = clicks_converted.request_id
                and impressed.item_id = clicks_converted.item_id
                and impressed.rank = clicks_converted.rank
        where
            (
                impressed.click_count is distinct from coalesce(clicks_converted.click_count, 0)
                or impressed.first_clicked_at is distinct from clicks_converted.first_clicked_at
                or impressed.converted_at is distinct from clicks_converted.first_ordered_at
            )
            and not exists (
                select 1
                from items_dated
                where
                    items_dated.tenant_id = impressed.tenant_id
                    and items_dated.event_id = impressed.event_id
            )
    {%- endif %}
),

final as (
    select
        items_to_write.tenant_id,
        items_to_write.event_id,
        items_to_write.rank,
        items_to_write.request_id,
        items_to_write.person_id,
        items_to_write.session_id,
        items_to_write.served_at,
        items_to_write.served_date,
        items_to_write.surface,
        items_to_write.model_version,
        items_to_write.item_id,
        items_to_write.score,
        clicks_converted.first_clicked_at,
        clicks_converted.first_ordered_at as converted_at,
        coalesce(clicks_converted.click_count, 0) as click_count,
        clicks_converted.request_id is not null as is_clicked,
        clicks_converted.first_ordered_at is not null as is_converted,
        {{ tenant_time_zones_hash('tenants') }} as _time_zones,
        {{ dbt.current_timestamp() }} as _impressed_at
    from items_to_write
    left join clicks_converted
        on
            items_to_write.tenant_id = clicks_converted.tenant_id
            and items_to_write.request_id = clicks_converted.request_id
            and items_to_write.item_id = clicks_converted.item_id
            and items_to_write.rank = clicks_converted.rank
)

select * from final
