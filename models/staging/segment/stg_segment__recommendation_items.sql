-- Incremental: a run derives again the events staged since its newest row (less the raw
-- lookback); its pre-hook first deletes their rows, so an event whose kept copy is no longer
-- a served recommendation leaves the table (macro staged_events_derived_config).
{{ staged_events_derived_config() }}

with

events as (
    {{ staged_events_in_scope(ref('stg_segment__events')) }}
),

recommendations_filtered as (
    select * from events
    where event_type = 'track' and event_name = 'Recommendation Served'
),

properties_parsed as (
    select
        *,
        {{ json_unpack('payload', {
            "properties": {
                "request_id": "VARCHAR",
                "surface": "VARCHAR",
                "model_version": "VARCHAR",
                "items": [{"item_id": "VARCHAR", "rank": "BIGINT", "score": "DOUBLE"}]
            }
        }) }} as unpacked
    from recommendations_filtered
),

items_unnested as (
    select
        tenant_id,
        event_id,
        event_at,
        anonymous_id,
        user_id,
        platform,
        _loaded_at,
        unpacked['properties']['request_id'] as request_id,
        unpacked['properties']['surface'] as surface,
        unpacked['properties']['model_version'] as model_version,
        {{ list_unnest("unpacked['properties']['items']") }} as item
    from properties_parsed
),

items_unpacked as (
    select
        tenant_id,
        event_id,
        request_id,
        surface,
        model_version,
        event_at,
        anonymous_id,
        user_id,
        platform,
        _loaded_at,
        item['rank'] as rank,
        item['item_id'] as item_id,
        item['score'] as score
    from items_unnested
)

select * from items_unpacked
