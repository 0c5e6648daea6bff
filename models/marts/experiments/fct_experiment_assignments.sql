-- One row per (tenant, experiment, person): the variant of the person's first exposure.
with

exposures as (
    select * from {{ ref('stg_segment__experiment_exposures') }}
),

analytics_events as (
    select * from {{ ref('fct_analytics_events') }}
),

experiments as (
    select * from {{ ref('experiments') }}
),

exposures_attributed as (
    select
        exposures.tenant_id,
        exposures.experiment_id,
        analytics_events.person_id,
        exposures.variant_id,
        exposures.event_id,
        analytics_events.event_at,
        analytics_events.platform
    from exposures
    inner join analytics_events
        on
            exposures.tenant_id = analytics_events.tenant_id
            and exposures.event_id = analytics_events.event_id
    left join experiments
        on
            exposures.tenant_id = experiments.tenant_id
            and exposures.experiment_id = experiments.experiment_id
    where
        analytics_events.person_id is not null
        and (
            experiments.started_at is null
            or analytics_events.event_at >= experiments.started_at
        )
        and (
            experiments.ended_at is null
            or analytics_events.event_at < experiments.ended_at
        )
),

exposures_ranked as (
    select
        *,
        row_number() over (
            partition by tenant_id, experiment_id, person_id
            order by event_at, event_id
        ) as exposure_number
    from exposures_attributed
),

persons_summarized as (
    select
        tenant_id,
        experiment_id,
        person_id,
        count(*) as exposure_count,
        count(distinct variant_id) as variant_count
    from exposures_attributed
    group by tenant_id, experiment_id, person_id
),

assignments as (
    select
        first_exposures.tenant_id,
        first_exposures.experiment_id,
        first_exposures.person_id,
        first_exposures.variant_id,
        first_exposures.event_id as first_exposure_event_id,
        first_exposures.event_at as first_exposed_at,
        first_exposures.platform as first_exposure_platform,
        persons_summarized.exposure_count,
        persons_summarized.variant_count,
        persons_summarized.variant_count > 1 as is_multi_variant,
        experiments.experiment_id is not null as is_registered,
        persons_summarized.variant_count = 1
        and experiments.experiment_id is not null as is_analyzed,
        first_exposures.event_at
        + {{ interval_hours('cast(experiments.conversion_window_hours as bigint)') }}
            as conversion_window_ends_at
    from exposures_ranked as first_exposures
    inner join persons_summarized
        on
            first_exposures.tenant_id = persons_summarized.tenant_id
            and first_exposures.experiment_id = persons_summarized.experiment_id
            and first_exposures.person_id = persons_summarized.person_id
    left join experiments
        on
            first_exposures.tenant_id = experiments.tenant_id
            and first_exposures.experiment_id = experiments.experiment_id
    where first_exposures.exposure_number = 1
),

final as (
    select
        tenant_id,
        experiment_id,
        person_id,
        variant_id,
        first_exposure_event_id,
        first_exposed_at,
        first_exposure_platform,
        exposure_count,
        variant_count,
        is_multi_variant,
        is_registered,
        is_analyzed,
        conversion_window_ends_at
    from assignments
)

select * from final
