-- Incremental: a run derives again the events staged since its newest row (less the raw
-- lookback); its pre-hook first deletes their rows, so an event whose kept copy is no longer
-- an experiment exposure leaves the table (macro staged_events_derived_config).
{{ staged_events_derived_config() }}

with

events as (
    {{ staged_events_in_scope(ref('stg_segment__events')) }}
),

exposures_filtered as (
    select * from events
    where event_type = 'track' and event_name = 'Experiment Exposure'
),

properties_parsed as (
    select
        *,
        {{ json_unpack(
            'payload', {"properties": {"experiment_id": "VARCHAR", "variant_id": "VARCHAR"}}
        ) }} as unpacked
    from exposures_filtered
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
        unpacked['properties']['experiment_id'] as experiment_id,
        unpacked['properties']['variant_id'] as variant_id
    from properties_parsed
)

select * from properties_unpacked
