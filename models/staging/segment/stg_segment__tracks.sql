-- Incremental: a run derives again the events staged since its newest row (less the raw
-- lookback); its pre-hook first deletes their rows, so an event whose kept copy is no longer
-- a track leaves the table. Read by no model: rebuilt whole, it was 21-29 s of a 10M night.
-- Spark keeps the view it had (the staging tables there are views).
{{ staged_events_derived_config() }}

with

events as (
    {{ staged_events_in_scope(ref('stg_segment__events')) }}
),

tracks_filtered as (
    select * from events
    where event_type = 'track'
),

properties_parsed as (
    select
        *,
        {{ json_unpack('payload', {"properties": "JSON"}) }} as unpacked
    from tracks_filtered
),

properties_unpacked as (
    select
        tenant_id,
        event_id,
        event_name,
        event_at,
        received_at,
        anonymous_id,
        user_id,
        platform,
        is_background,
        _loaded_at,
        unpacked['properties'] as properties
    from properties_parsed
)

select * from properties_unpacked
