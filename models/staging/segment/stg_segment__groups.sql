-- Incremental: a run derives again the events staged since its newest row (less the raw
-- lookback); its pre-hook first deletes their rows, so an event whose kept copy is no longer
-- a group call leaves the table (macro staged_events_derived_config).
{{ staged_events_derived_config() }}

with

events as (
    {{ staged_events_in_scope(ref('stg_segment__events')) }}
),

groups_filtered as (
    select * from events
    where event_type = 'group'
),

traits_parsed as (
    select
        *,
        {{ json_unpack('payload', {
            "traits": {
                "name": "VARCHAR",
                "plan_tier": "VARCHAR",
                "employees": "BIGINT"
            }
        }) }} as unpacked
    from groups_filtered
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
        group_id,
        unpacked['traits']['name'] as account_name,
        unpacked['traits']['plan_tier'] as plan_tier,
        unpacked['traits']['employees'] as employees
    from traits_parsed
)

select * from traits_unpacked
