with

api_requests as (
    select * from {{ ref('fct_api_requests') }}
),

value_realization as (
    select * from {{ ref('rpt_api_value_realization') }}
),

cohorts as (
    select
        tenant_id,
        account_id,
        coalesce(plan_tier, 'unknown') as plan_tier,
        date_trunc('week', first_successful_request_at) as cohort_week
    from value_realization
    where first_successful_request_at is not null
),

data_weeks as (
    select
        tenant_id,
        date_trunc('week', max(requested_at)) as last_week
    from api_requests
    group by tenant_id
),

weeks_active as (
    select distinct
        tenant_id,
        account_id,
        date_trunc('week', requested_at) as active_week
    from api_requests
    where is_success
),

week_offsets as (
    select
        cohorts.tenant_id,
        cohorts.account_id,
        cohorts.plan_tier,
        cohorts.cohort_week,
        week_numbers.weeks_since_first_value
    from cohorts
    inner join data_weeks
        on cohorts.tenant_id = data_weeks.tenant_id
    -- weeks 0..520 (range's end is exclusive)
    cross join range(0, 521) as week_numbers (weeks_since_first_value)
    where
        cohorts.cohort_week
        + {{ interval_weeks('cast(week_numbers.weeks_since_first_value as integer)') }}
        <= data_weeks.last_week
),

activity_marked as (
    select
        week_offsets.tenant_id,
        week_offsets.plan_tier,
        week_offsets.weeks_since_first_value,
        week_offsets.account_id,
        weeks_active.active_week is not null as is_active
    from week_offsets
    left join weeks_active
        on
            week_offsets.tenant_id = weeks_active.tenant_id
            and week_offsets.account_id = weeks_active.account_id
            and week_offsets.cohort_week
            + {{ interval_weeks('cast(week_offsets.weeks_since_first_value as integer)') }}
            = weeks_active.active_week
),

final as (
    select
        tenant_id,
        plan_tier,
        weeks_since_first_value,
        count(*) as cohort_accounts,
        count(*) filter (where is_active) as active_accounts,
        count(*) filter (where is_active) / count(*) as retention_rate
    from activity_marked
    group by tenant_id, plan_tier, weeks_since_first_value
)

select * from final
