with

sessions as (
    select * from {{ ref('fct_sessions') }}
    where first_platform in ('ios', 'android', 'mobile')
),

sync_runs as (
    select * from {{ ref('fct_sync_runs') }}
    where is_completed and person_id is not null
),

timeline as (
    select
        tenant_id,
        person_id,
        first_platform as platform,
        started_at as timeline_at,
        1 as timeline_order,
        session_id,
        session_date,
        cast(null as {{ type_timestamptz() }}) as sync_completed_at,
        cast(null as {{ dbt.type_string() }}) as sync_id,
        cast(null as {{ dbt.type_string() }}) as connectivity,
        cast(null as {{ dbt.type_string() }}) as app_version
    from sessions
    union all
    select
        tenant_id,
        person_id,
        platform,
        completed_at as timeline_at,
        0 as timeline_order,
        null as session_id,
        null as session_date,
        completed_at as sync_completed_at,
        sync_id,
        connectivity,
        app_version
    from sync_runs
),

last_syncs_carried as (
    select
        *,
        {{ last_value_ignore_nulls('sync_id') }} over person_platform as last_sync_id,
        {{ last_value_ignore_nulls('sync_completed_at') }} over person_platform
            as last_sync_completed_at,
        {{ last_value_ignore_nulls('connectivity') }} over person_platform
            as last_sync_connectivity,
        {{ last_value_ignore_nulls('app_version') }} over person_platform
            as last_sync_app_version
    from timeline
    window person_platform as (
        partition by tenant_id, person_id, platform
        order by timeline_at, timeline_order, session_id, sync_id
        rows between unbounded preceding and current row
    )
),

final as (
    select
        tenant_id,
        session_id,
        person_id,
        platform,
        timeline_at as session_started_at,
        session_date,
        last_sync_id,
        last_sync_completed_at,
        last_sync_connectivity,
        last_sync_app_version,
        last_sync_id is not null as has_prior_sync,
        {{ async_gap_ms('last_sync_completed_at', 'timeline_at') }} / cast(60000 as double)
            as staleness_minutes
    from last_syncs_carried
    where session_id is not null
)

select * from final
