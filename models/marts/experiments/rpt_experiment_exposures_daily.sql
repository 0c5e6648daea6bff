-- One row per (tenant, experiment, variant, exposure date): exposures and persons first
-- exposed that day, on the tenant's local calendar.
with

exposures as (
    select * from {{ ref('stg_segment__experiment_exposures') }}
),

analytics_events as (
    select * from {{ ref('fct_analytics_events') }}
),

assignments as (
    select * from {{ ref('fct_experiment_assignments') }}
),

tenants as (
    select * from {{ ref('tenants') }}
),

exposures_dated as (
    select
        exposures.tenant_id,
        exposures.experiment_id,
        exposures.variant_id,
        analytics_events.person_id,
        {{ local_date(
            "coalesce(tenants.time_zone, 'UTC')", 'analytics_events.event_at'
        ) }} as exposure_date
    from exposures
    inner join analytics_events
        on
            exposures.tenant_id = analytics_events.tenant_id
            and exposures.event_id = analytics_events.event_id
    left join tenants
        on exposures.tenant_id = tenants.tenant_id
    where analytics_events.person_id is not null
),

exposures_counted as (
    select
        tenant_id,
        experiment_id,
        variant_id,
        exposure_date,
        count(*) as exposures,
        count(distinct person_id) as persons_exposed
    from exposures_dated
    group by tenant_id, experiment_id, variant_id, exposure_date
),

assignments_dated as (
    select
        assignments.tenant_id,
        assignments.experiment_id,
        assignments.variant_id,
        {{ local_date(
            "coalesce(tenants.time_zone, 'UTC')", 'assignments.first_exposed_at'
        ) }} as exposure_date,
        count(*) as persons_first_exposed,
        count(*) filter (where assignments.is_analyzed) as persons_analyzed
    from assignments
    left join tenants
        on assignments.tenant_id = tenants.tenant_id
    group by
        assignments.tenant_id,
        assignments.experiment_id,
        assignments.variant_id,
        exposure_date
),

final as (
    select
        exposures_counted.tenant_id,
        exposures_counted.experiment_id,
        exposures_counted.variant_id,
        exposures_counted.exposure_date,
        exposures_counted.exposures,
        exposures_counted.persons_exposed,
        coalesce(assignments_dated.persons_first_exposed, 0)
            as persons_first_exposed,
        coalesce(assignments_dated.persons_analyzed, 0) as persons_analyzed
    from exposures_counted
    left join assignments_dated
        on
            exposures_counted.tenant_id = assignments_dated.tenant_id
            and exposures_counted.experiment_id = assignments_dated.experiment_id
            and exposures_counted.variant_id = assignments_dated.variant_id
            and exposures_counted.exposure_date = assignments_dated.exposure_date
)

select * from final
