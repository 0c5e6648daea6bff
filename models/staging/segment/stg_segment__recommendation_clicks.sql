-- Incremental: a run derives again the events staged since its newest row (less the raw
-- lookback); its pre-hook first deletes their rows, so an event whose kept copy is no longer
-- a recommendation click leaves the table (macro staged_events_derived_config).
{{ staged_events_derived_config() }}

with

events as (
    {{ staged_events_in_scope(ref('stg_segment__events')) }}
),

clicks_filtered as (
    select * from events
    where event_type = 'track' and event_name = 'Recommendation Clicked'
),

properties_parsed as (
    select
        *,
        {{ json_unpack('payload', {
            "properties": {
                "request_id": "VARCHAR",
                "item_id": "VARCHAR",
                "rank": "BIGINT",
                "surface": "VARCHAR",
                "model_version": "VARCHAR"
            }
        }) }} as unpacked
    from clicks_filtered
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
        unpacked['properties']['request_id'] as request_id,
        unpacked['properties']['item_id'] as item_id,
        unpacked['properties']['rank'] as rank,
        unpacked['properties']['surface'] as surface,
        unpacked['properties']['model_version'] as model_version
    from properties_parsed
)

select * from properties_unpacked
