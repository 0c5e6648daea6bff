-- Incremental: a run derives again the events staged since its newest row (less the raw
-- lookback); its pre-hook first deletes their rows, so an event whose kept copy is no longer
-- an order leaves the table (macro staged_events_derived_config).
{{ staged_events_derived_config() }}

with

events as (
    {{ staged_events_in_scope(ref('stg_segment__events')) }}
),

orders_filtered as (
    select * from events
    where event_type = 'track' and event_name = 'Order Completed'
),

properties_parsed as (
    select
        *,
        {{ json_unpack('payload', {
            "properties": {
                "order_id": "VARCHAR",
                "revenue": "DOUBLE",
                "currency": "VARCHAR",
                "items_count": "BIGINT"
            }
        }) }} as unpacked
    from orders_filtered
),

properties_unpacked as (
    select
        tenant_id,
        event_id,
        event_at,
        received_at,
        anonymous_id,
        user_id,
        platform,
        _loaded_at,
        unpacked['properties']['order_id'] as order_id,
        unpacked['properties']['revenue'] as revenue,
        upper(trim(unpacked['properties']['currency'])) as currency,
        unpacked['properties']['items_count'] as items_count
    from properties_parsed
)

select * from properties_unpacked
