-- Incremental: a run derives again the events staged since its newest row (less the raw lookback);
-- its pre-hook first deletes their rows, so an event whose kept copy is no longer a sync event
-- leaves the table (macro staged_events_derived_config). Its post-hook gives rows written earlier
-- the connectivity their seed gives now.
{{ staged_events_derived_config(post_hook=[
    "{{ enum_values_renormalized(
        'connectivity', 'connectivity_raw', ref('enum_sync_connectivity')
    ) }}",
]) }}

with

events as (
    {{ staged_events_in_scope(ref('stg_segment__events')) }}
),

sync_connectivity as (
    select * from {{ ref('enum_sync_connectivity') }}
),

syncs_filtered as (
    select * from events
    where
        event_type = 'track'
        and event_name in (
            'Sync Started',
            'Sync Progress',
            'Sync Completed',
            'Sync Failed',
            'Sync Conflict Resolved'
        )
),

properties_parsed as (
    select
        *,
        {{ json_unpack('payload', {
            "context": {"app": {"version": "VARCHAR"}},
            "properties": {
                "sync_id": "VARCHAR",
                "trigger": "VARCHAR",
                "connectivity": "VARCHAR",
                "battery_level": "DOUBLE",
                "is_charging": "BOOLEAN",
                "is_background": "BOOLEAN",
                "retry_count": "BIGINT",
                "items": "BIGINT",
                "bytes_transferred": "BIGINT",
                "duration_ms": "BIGINT",
                "error_code": "VARCHAR",
                "conflict_resolution": "VARCHAR"
            }
        }) }} as unpacked
    from syncs_filtered
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
        _loaded_at,
        unpacked['context']['app']['version'] as app_version,
        unpacked['properties']['sync_id'] as sync_id,
        unpacked['properties']['trigger'] as sync_trigger,
        unpacked['properties']['connectivity'] as connectivity_raw,
        unpacked['properties']['battery_level'] as battery_level,
        unpacked['properties']['is_charging'] as is_charging,
        unpacked['properties']['is_background'] as is_background,
        unpacked['properties']['retry_count'] as retry_count,
        unpacked['properties']['items'] as items,
        unpacked['properties']['bytes_transferred'] as bytes_transferred,
        unpacked['properties']['duration_ms'] as duration_ms,
        unpacked['properties']['error_code'] as error_code,
        unpacked['properties']['conflict_resolution'] as conflict_resolution,
        case event_name
            when 'Sync Started' then 'started'
            when 'Sync Progress' then 'progress'
            when 'Sync Completed' then 'completed'
            when 'Sync Failed' then 'failed'
            when 'Sync Conflict Resolved' then 'conflict_resolved'
        end as phase
    from properties_parsed
),

connectivity_normalized as (
    select
        properties_unpacked.*,
        case
            when properties_unpacked.connectivity_raw is not null
                then coalesce(sync_connectivity.normalized_value, 'unknown')
        end as connectivity
    from properties_unpacked
    left join sync_connectivity
        on lower(trim(properties_unpacked.connectivity_raw)) = sync_connectivity.raw_value
)

select * from connectivity_normalized
