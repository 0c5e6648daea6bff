with

progress as (
    select * from {{ ref('fct_funnel_progress') }}
),

funnels as (
    select * from {{ ref('funnels') }}
),

funnel_steps as (
    select * from {{ ref('funnel_steps') }}
),

sessions as (
    select * from {{ ref('fct_sessions') }}
),

persons as (
    select * from {{ ref('dim_persons') }}
),

exposures as (
    select * from {{ ref('stg_segment__experiment_exposures') }}
),

analytics_events as (
    select * from {{ ref('fct_analytics_events') }}
),

exposures_ranked as (
    select
        analytics_events.tenant_id,
        analytics_events.person_id,
        exposures.experiment_id,
        exposures.variant_id,
        row_number() over (
            partition by
                analytics_events.tenant_id,
                analytics_events.person_id,
                exposures.experiment_id
            order by analytics_events.event_at asc, analytics_events.event_id asc
        ) as exposure_rank
    from exposures
    inner join analytics_events
        on
            exposures.tenant_id = analytics_events.tenant_id
            and exposures.event_id = analytics_events.event_id
),

variants_assigned as (
    -- A person's variant of an experiment is the one of their first kept exposure.
    select
        tenant_id,
        person_id,
        experiment_id,
        variant_id
    from exposures_ranked
    where exposure_rank = 1
),

breakdowns_listed as (
    select
        progress.tenant_id,
        progress.funnel_id,
        progress.person_id,
        'all' as breakdown_type,
        'all' as breakdown_value
    from progress
    union all
    select
        progress.tenant_id,
        progress.funnel_id,
        progress.person_id,
        'platform' as breakdown_type,
        coalesce(progress.entry_platform, '(none)') as breakdown_value
    from progress
    union all
    select
        progress.tenant_id,
        progress.funnel_id,
        progress.person_id,
        'channel' as breakdown_type,
        coalesce(sessions.first_channel, '(no session)') as breakdown_value
    from progress
    left join sessions
        on
            progress.tenant_id = sessions.tenant_id
            and progress.entry_session_id = sessions.session_id
    union all
    select
        progress.tenant_id,
        progress.funnel_id,
        progress.person_id,
        'plan_tier' as breakdown_type,
        coalesce(persons.plan_tier, '(none)') as breakdown_value
    from progress
    left join persons
        on
            progress.tenant_id = persons.tenant_id
            and progress.person_id = persons.person_id
    union all
    select
        progress.tenant_id,
        progress.funnel_id,
        progress.person_id,
        'experiment_variant' as breakdown_type,
        variants_assigned.experiment_id
        || '=' || variants_assigned.variant_id as breakdown_value
    from progress
    inner join variants_assigned
        on
            progress.tenant_id = variants_assigned.tenant_id
            and progress.person_id = variants_assigned.person_id
),

breakdowns_configured as (
    select breakdowns_listed.*
    from breakdowns_listed
    inner join funnels
        on breakdowns_listed.funnel_id = funnels.funnel_id
    where
        breakdowns_listed.breakdown_type = 'all'
        or {{ list_contains(
            string_split("coalesce(funnels.breakdowns, '')", "'|'"),
            'breakdowns_listed.breakdown_type'
        ) }}
),

person_steps as (
    select
        breakdowns_configured.tenant_id,
        breakdowns_configured.funnel_id,
        breakdowns_configured.breakdown_type,
        breakdowns_configured.breakdown_value,
        funnel_steps.step_index,
        funnel_steps.step_name,
        breakdowns_configured.person_id,
        progress.furthest_step_index >= funnel_steps.step_index as is_completed,
        {{ epoch_seconds(list_item(
            'progress.step_completed_at', 'funnel_steps.step_index'
        )) }} - {{ epoch_seconds(list_item(
            'progress.step_completed_at', 'funnel_steps.step_index - 1'
        )) }} as seconds_from_previous
    from breakdowns_configured
    inner join progress
        on
            breakdowns_configured.tenant_id = progress.tenant_id
            and breakdowns_configured.funnel_id = progress.funnel_id
            and breakdowns_configured.person_id = progress.person_id
    inner join funnel_steps
        on breakdowns_configured.funnel_id = funnel_steps.funnel_id
),

steps_counted as (
    {{ funnel_steps_counted(
        'person_steps',
        'persons',
        ['tenant_id', 'funnel_id', 'breakdown_type', 'breakdown_value']
    ) }}
),

conversion_computed as (
    {{ funnel_conversion_rates(
        'steps_counted',
        'persons',
        ['tenant_id', 'funnel_id', 'breakdown_type', 'breakdown_value']
    ) }}
),

final as (
    select
        tenant_id,
        funnel_id,
        breakdown_type,
        breakdown_value,
        step_index,
        step_name,
        persons_entered,
        persons_completed,
        conversion_from_start,
        conversion_from_previous,
        median_seconds_to_convert,
        p90_seconds_to_convert
    from conversion_computed
)

select * from final
