-- Incremental: a run derives again the events staged since its newest row (less the raw
-- lookback); its pre-hook first deletes their rows, so an event whose kept copy is no longer
-- an identify leaves the table (macro staged_events_derived_config).
{{ staged_events_derived_config() }}

with

events as (
    {{ staged_events_in_scope(ref('stg_segment__events')) }}
),

identifies_filtered as (
    select * from events
    where event_type = 'identify'
),

traits_parsed as (
    select
        *,
        {{ json_unpack('payload', {
            "traits": {
                "name": "VARCHAR",
                "phone": "VARCHAR",
                "plan": "VARCHAR",
                "created_at": "TIMESTAMPTZ"
            }
        }) }} as unpacked
    from identifies_filtered
),

traits_unpacked as (
    select
        tenant_id,
        event_id,
        event_at,
        received_at,
        anonymous_id,
        user_id,
        platform,
        _loaded_at,
        email_hash,
        unpacked['traits']['phone'] as phone_hash,
        unpacked['traits']['name'] as person_name,
        unpacked['traits']['plan'] as plan,
        unpacked['traits']['created_at'] as created_at
    from traits_parsed
)

select * from traits_unpacked
