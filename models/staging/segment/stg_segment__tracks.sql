with

events as (
    select * from {{ ref('stg_segment__events') }}
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
        unpacked['properties'] as properties
    from properties_parsed
)

select * from properties_unpacked
