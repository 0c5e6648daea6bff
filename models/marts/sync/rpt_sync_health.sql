with

sync_runs as (
    select * from {{ ref('fct_sync_runs') }}
),

session_staleness as (
    select * from {{ ref('fct_session_sync_staleness') }}
),

tenants as (
    select * from {{ ref('tenants') }}
),

syncs_dated as (
    select
        sync_runs.tenant_id,
        {{ local_date("coalesce(tenants.time_zone, 'UTC')", 'sync_runs.started_at') }}
            as sync_date,
        sync_runs.outcome,
        sync_runs.is_completed,
        sync_runs.is_failed,
        sync_runs.duration_ms,
        sync_runs.retries,
        sync_runs.failure_reason,
        sync_runs.conflicts,
        coalesce(sync_runs.platform, 'unknown') as platform,
        coalesce(sync_runs.app_version, 'unknown') as app_version,
        coalesce(sync_runs.connectivity, 'unknown') as connectivity
    from sync_runs
    left join tenants
        on sync_runs.tenant_id = tenants.tenant_id
),

syncs_aggregated as (
    select
        tenant_id,
        platform,
        app_version,
        connectivity,
        sync_date,
        count(*) as syncs,
        count(*) filter (where is_completed) as completed,
        count(*) filter (where is_failed) as failed,
        count(*) filter (where outcome = 'incomplete') as incomplete,
        sum(retries) as retries,
        sum(conflicts) as conflicts,
        {{ round_double(
            percentile_cont('duration_ms', 0.5) ~ ' filter (where is_completed)', 3
        ) }} as p50_duration_ms,
        {{ round_double(
            percentile_cont('duration_ms', 0.95) ~ ' filter (where is_completed)', 3
        ) }} as p95_duration_ms,
        {{ histogram_map('failure_reason', 'is_failed') }} as failures_by_reason
    from syncs_dated
    group by tenant_id, platform, app_version, connectivity, sync_date
),

sessions_aggregated as (
    select
        tenant_id,
        platform,
        session_date as sync_date,
        coalesce(last_sync_app_version, 'unknown') as app_version,
        coalesce(last_sync_connectivity, 'unknown') as connectivity,
        count(*) as sessions,
        count(*) filter (where not has_prior_sync) as sessions_without_prior_sync,
        {{ round_double(percentile_cont('staleness_minutes', 0.5), 3) }}
            as p50_session_staleness_minutes,
        {{ round_double(percentile_cont('staleness_minutes', 0.95), 3) }}
            as p95_session_staleness_minutes
    from session_staleness
    group by
        tenant_id,
        platform,
        session_date,
        coalesce(last_sync_app_version, 'unknown'),
        coalesce(last_sync_connectivity, 'unknown')
),

combined as (
    select
        syncs_aggregated.p50_duration_ms,
        syncs_aggregated.p95_duration_ms,
        syncs_aggregated.failures_by_reason,
        sessions_aggregated.p50_session_staleness_minutes,
        sessions_aggregated.p95_session_staleness_minutes,
        coalesce(syncs_aggregated.tenant_id, sessions_aggregated.tenant_id) as tenant_id,
        coalesce(syncs_aggregated.platform, sessions_aggregated.platform) as platform,
        coalesce(syncs_aggregated.app_version, sessions_aggregated.app_version)
            as app_version,
        coalesce(syncs_aggregated.connectivity, sessions_aggregated.connectivity)
            as connectivity,
        coalesce(syncs_aggregated.sync_date, sessions_aggregated.sync_date) as sync_date,
        coalesce(syncs_aggregated.syncs, 0) as syncs,
        coalesce(syncs_aggregated.completed, 0) as completed,
        coalesce(syncs_aggregated.failed, 0) as failed,
        coalesce(syncs_aggregated.incomplete, 0) as incomplete,
        syncs_aggregated.completed / nullif(syncs_aggregated.completed + syncs_aggregated.failed, 0)
            as success_rate,
        syncs_aggregated.retries / nullif(syncs_aggregated.syncs, 0) as retries_per_sync,
        coalesce(syncs_aggregated.conflicts, 0) as conflicts,
        coalesce(sessions_aggregated.sessions, 0) as sessions,
        coalesce(sessions_aggregated.sessions_without_prior_sync, 0)
            as sessions_without_prior_sync
    from syncs_aggregated
    full outer join sessions_aggregated
        on
            syncs_aggregated.tenant_id = sessions_aggregated.tenant_id
            and syncs_aggregated.platform = sessions_aggregated.platform
            and syncs_aggregated.app_version = sessions_aggregated.app_version
            and syncs_aggregated.connectivity = sessions_aggregated.connectivity
            and syncs_aggregated.sync_date = sessions_aggregated.sync_date
),

final as (
    select
        tenant_id,
        platform,
        app_version,
        connectivity,
        sync_date,
        syncs,
        completed,
        failed,
        incomplete,
        success_rate,
        retries_per_sync,
        conflicts,
        p50_duration_ms,
        p95_duration_ms,
        failures_by_reason,
        sessions,
        sessions_without_prior_sync,
        p50_session_staleness_minutes,
        p95_session_staleness_minutes
    from combined
)

select * from final
