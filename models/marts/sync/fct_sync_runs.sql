{#-
    Phases in event order (event_seq); the start's values first, then the other phases' in
    order (start_first_seq). Both are ranked once by window (a sort that spills under a
    memory limit) so that each value below is a first or last over one integer: ordered over
    (event_at, event_id) directly, the ~15 aggregates each buffered every sync event and ran
    out of memory at 10M events under 1 GiB (issue #12).
-#}
{#-
    Incremental: its pre-hook (macro sync_runs_outdated_deleted) deletes the runs of the
    syncs with an event fct_events wrote since the model's last run, and those whose event
    count differs from the staged one; a run then summarizes the staged syncs without a row.
-#}
{{
    config(
        materialized=incremental_materialization(),
        incremental_strategy='delete+insert',
        unique_key=['tenant_id', 'sync_id'],
        on_schema_change='fail',
        pre_hook="{{ sync_runs_outdated_deleted(
            ref('stg_segment__syncs'), ref('fct_events')
        ) }}",
    )
}}
{%- set event_order = ['event_seq'] %}
{%- set start_first_order = ['start_first_seq'] %}

with

-- An incremental run: the syncs without a row (new, or deleted by the pre-hook).
sync_events as (
    select staged_syncs.*
    from {{ ref('stg_segment__syncs') }} as staged_syncs
    {%- if is_incremental() %}
        left join {{ this }} as summarized
            on
                staged_syncs.tenant_id = summarized.tenant_id
                and staged_syncs.sync_id = summarized.sync_id
        where staged_syncs.sync_id is not null and summarized.sync_id is null
    {%- else %}
        where staged_syncs.sync_id is not null
    {%- endif %}
),

-- Only the columns taken from it: a sync joins its person and device, never the payload.
events as (
    select
        tenant_id,
        event_id,
        person_id,
        device_id
    from {{ ref('fct_events') }}
),

devices_attached as (
    select
        sync_events.*,
        events.person_id,
        events.device_id
    from sync_events
    left join events
        on
            sync_events.tenant_id = events.tenant_id
            and sync_events.event_id = events.event_id
),

events_ranked as (
    select
        *,
        row_number() over (
            partition by tenant_id, sync_id
            order by event_at asc, event_id asc
        ) as event_seq,
        row_number() over (
            partition by tenant_id, sync_id
            order by phase <> 'started' asc, event_at asc, event_id asc
        ) as start_first_seq
    from devices_attached
),

phases_collapsed as (
    select
        tenant_id,
        sync_id,
        {{ first_ordered('person_id', event_order, 'person_id is not null') }} as person_id,
        {{ first_ordered('device_id', event_order, 'device_id is not null') }} as device_id,
        {{ first_ordered('anonymous_id', event_order, 'anonymous_id is not null') }}
            as anonymous_id,
        {{ first_ordered('platform', start_first_order) }} as platform,
        {{ first_ordered('app_version', start_first_order, 'app_version is not null') }}
            as app_version,
        {{ first_ordered('sync_trigger', start_first_order, 'sync_trigger is not null') }}
            as sync_trigger,
        {{ first_ordered('connectivity', start_first_order, 'connectivity is not null') }}
            as connectivity,
        {{ first_ordered('battery_level', start_first_order, 'battery_level is not null') }}
            as battery_level,
        {{ first_ordered('is_charging', start_first_order, 'is_charging is not null') }}
            as is_charging,
        {{ first_ordered('is_background', start_first_order, 'is_background is not null') }}
            as is_background,
        min(event_at) filter (where phase = 'started') as started_at,
        count(*) filter (where phase = 'started') as start_events,
        min(event_at) filter (where phase = 'completed') as completed_at,
        max(event_at) filter (where phase = 'failed') as last_failed_at,
        count(*) filter (where phase = 'failed') as failed_attempts,
        {{ last_ordered('error_code', event_order, "phase = 'failed'") }} as last_error_code,
        {{ list_agg_ordered_where(
            'error_code', ['error_code'], 'error_code is not null', distinct=true
        ) }} as error_codes,
        max(retry_count) as max_retry_count,
        count(*) filter (where phase = 'conflict_resolved') as conflicts,
        {{ list_agg_ordered_where(
            'conflict_resolution', event_order, "phase = 'conflict_resolved'"
        ) }} as conflict_resolutions,
        {{ first_ordered('items', event_order, "phase = 'completed'") }} as completed_items,
        {{ first_ordered('bytes_transferred', event_order, "phase = 'completed'") }}
            as completed_bytes,
        max(items) filter (where phase <> 'conflict_resolved') as max_items,
        max(bytes_transferred) as max_bytes,
        {{ first_ordered('duration_ms', event_order, "phase = 'completed'") }}
            as completed_duration_ms,
        {{ last_ordered('duration_ms', event_order, "phase = 'failed'") }}
            as failed_duration_ms,
        min(event_at) as first_event_at,
        count(*) as event_count
    from events_ranked
    group by tenant_id, sync_id
),

outcomes_resolved as (
    select
        *,
        -- A completion wins over failures: a sync that fails and is retried under the
        -- same id until it completes succeeded.
        case
            when completed_at is not null then 'completed'
            when failed_attempts > 0 then 'failed'
            else 'incomplete'
        end as outcome,
        coalesce(completed_at, last_failed_at) as ended_at
    from phases_collapsed
),

final as (
    select
        tenant_id,
        sync_id,
        person_id,
        device_id,
        anonymous_id,
        platform,
        app_version,
        sync_trigger,
        connectivity,
        battery_level,
        is_charging,
        is_background,
        coalesce(started_at, first_event_at) as started_at,
        started_at is not null as has_start_event,
        ended_at,
        completed_at,
        outcome,
        outcome = 'completed' as is_completed,
        outcome = 'failed' as is_failed,
        coalesce(
            case when outcome = 'completed' then completed_duration_ms end,
            case when outcome = 'failed' then failed_duration_ms end,
            {{ async_gap_ms('coalesce(started_at, first_event_at)', 'ended_at') }}
        ) as duration_ms,
        failed_attempts,
        greatest(
            coalesce(max_retry_count, 0),
            start_events - 1,
            case when outcome = 'completed' then failed_attempts else 0 end
        ) as retries,
        last_error_code,
        error_codes,
        case when outcome = 'failed' then last_error_code end as failure_reason,
        coalesce(
            case when outcome = 'completed' then completed_items end, max_items, 0
        ) as items,
        coalesce(
            case when outcome = 'completed' then completed_bytes end, max_bytes, 0
        ) as bytes_transferred,
        conflicts,
        conflict_resolutions,
        event_count as _event_count,
        {{ dbt.current_timestamp() }} as _summarized_at
    from outcomes_resolved
)

select * from final
