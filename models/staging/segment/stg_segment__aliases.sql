-- Incremental: a run derives again the events staged since its newest row (less the raw
-- lookback); its pre-hook first deletes their rows, so an event whose kept copy is no longer
-- an alias leaves the table (macro staged_events_derived_config).
{{ staged_events_derived_config() }}

with

events as (
    {{ staged_events_in_scope(ref('stg_segment__events')) }}
),

aliases_filtered as (
    select
        tenant_id,
        event_id,
        event_at,
        received_at,
        anonymous_id,
        user_id,
        previous_id,
        platform,
        _loaded_at
    from events
    where event_type = 'alias'
)

select * from aliases_filtered
