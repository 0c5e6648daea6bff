{%- set grains = ['day', 'week', 'month'] %}
with

events as (
    select * from {{ ref('int_product_events_localized') }}
),

tenants as (
    select * from {{ ref('tenants') }}
),

definitions as (
    select * from {{ ref('retention_definitions') }}
),

brackets as (
    select * from {{ ref('retention_brackets') }}
),

data_ends as (
    -- A period is observable once the data reaches its end: the tenant's last event.
    select
        events.tenant_id,
        {{ local_timestamp(
            "coalesce(any_value(tenants.time_zone), 'UTC')", 'max(events.event_at)'
        ) }} as data_end_local
    from events
    left join tenants
        on events.tenant_id = tenants.tenant_id
    group by events.tenant_id
),

cohort_members as (
    select
        events.tenant_id,
        definitions.retention_id,
        events.person_id,
        min(events.event_at) as cohort_at,
        {{ arg_min_not_null('events.event_date', 'events.event_at') }} as cohort_date
    from events
    inner join definitions
        on
            definitions.cohort_event_name is null
            or events.event_name = definitions.cohort_event_name
    group by events.tenant_id, definitions.retention_id, events.person_id
),

return_days as (
    select distinct
        cohort_members.tenant_id,
        cohort_members.retention_id,
        cohort_members.person_id,
        events.event_date as return_date
    from cohort_members
    inner join definitions
        on cohort_members.retention_id = definitions.retention_id
    inner join events
        on
            cohort_members.tenant_id = events.tenant_id
            and cohort_members.person_id = events.person_id
            and cohort_members.cohort_at <= events.event_at
            and (
                definitions.return_event_name is null
                or definitions.return_event_name = events.event_name
            )
),

member_cohorts as (
    {%- for grain in grains %}
        select
            tenant_id,
            retention_id,
            person_id,
            '{{ grain }}' as cohort_grain,
            cast({{ dbt.date_trunc(grain, 'cohort_date') }} as date)
                as cohort_start_date
        from cohort_members
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

member_periods as (
    {%- for grain in grains %}
        select distinct
            member_cohorts.tenant_id,
            member_cohorts.retention_id,
            member_cohorts.person_id,
            member_cohorts.cohort_grain,
            member_cohorts.cohort_start_date,
        {{ dbt.datediff(
            'member_cohorts.cohort_start_date',
            dbt.date_trunc(grain, 'return_days.return_date'),
            grain
        ) }} as period_index
        from member_cohorts
        inner join return_days
            on
                member_cohorts.tenant_id = return_days.tenant_id
                and member_cohorts.retention_id = return_days.retention_id
                and member_cohorts.person_id = return_days.person_id
        where member_cohorts.cohort_grain = '{{ grain }}'
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

cohorts_sized as (
    select
        tenant_id,
        retention_id,
        cohort_grain,
        cohort_start_date,
        count(*) as cohort_persons
    from member_cohorts
    group by
        tenant_id,
        retention_id,
        cohort_grain,
        cohort_start_date
),

periods as (
    {%- for period in range(var('retention_max_periods') + 1) %}
        select cast({{ period }} as bigint) as period_index
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

cells as (
    select
        cohorts_sized.*,
        periods.period_index,
        cast(
            case cohorts_sized.cohort_grain
                when 'day'
                    then
                        cohorts_sized.cohort_start_date
                        + {{ interval_days('periods.period_index + 1') }}
                when 'week'
                    then
                        cohorts_sized.cohort_start_date
                        + {{ interval_days('7 * (periods.period_index + 1)') }}
                else
                    cohorts_sized.cohort_start_date
                    + {{ interval_months('periods.period_index + 1') }}
            end as date
        ) as period_end_date
    from cohorts_sized
    cross join periods
),

n_day_counts as (
    select
        tenant_id,
        retention_id,
        cohort_grain,
        cohort_start_date,
        period_index,
        count(*) as retained_persons
    from member_periods
    group by
        tenant_id,
        retention_id,
        cohort_grain,
        cohort_start_date,
        period_index
),

member_last_periods as (
    select
        tenant_id,
        retention_id,
        person_id,
        cohort_grain,
        cohort_start_date,
        max(period_index) as last_period_index
    from member_periods
    group by
        tenant_id,
        retention_id,
        person_id,
        cohort_grain,
        cohort_start_date
),

unbounded_counts as (
    select
        cells.tenant_id,
        cells.retention_id,
        cells.cohort_grain,
        cells.cohort_start_date,
        cells.period_index,
        count(*) as retained_persons
    from cells
    inner join member_last_periods
        on
            cells.tenant_id = member_last_periods.tenant_id
            and cells.retention_id = member_last_periods.retention_id
            and cells.cohort_grain = member_last_periods.cohort_grain
            and cells.cohort_start_date = member_last_periods.cohort_start_date
            and cells.period_index <= member_last_periods.last_period_index
    group by
        cells.tenant_id,
        cells.retention_id,
        cells.cohort_grain,
        cells.cohort_start_date,
        cells.period_index
),

bracket_counts as (
    select
        member_periods.tenant_id,
        member_periods.retention_id,
        member_periods.cohort_grain,
        member_periods.cohort_start_date,
        brackets.bracket_name,
        count(distinct member_periods.person_id) as retained_persons
    from member_periods
    inner join brackets
        on
            member_periods.cohort_grain = brackets.cohort_grain
            and member_periods.period_index
            between brackets.from_period and brackets.to_period
    group by
        member_periods.tenant_id,
        member_periods.retention_id,
        member_periods.cohort_grain,
        member_periods.cohort_start_date,
        brackets.bracket_name
),

cells_counted as (
    select
        cells.tenant_id,
        cells.retention_id,
        cells.cohort_grain,
        cells.cohort_start_date,
        'n_day' as retention_mode,
        cells.period_index,
        cast(cells.period_index as {{ dbt.type_string() }}) as period_label,
        cells.cohort_persons,
        coalesce(n_day_counts.retained_persons, 0) as retained_persons,
        cells.period_end_date
    from cells
    left join n_day_counts
        on
            cells.tenant_id = n_day_counts.tenant_id
            and cells.retention_id = n_day_counts.retention_id
            and cells.cohort_grain = n_day_counts.cohort_grain
            and cells.cohort_start_date = n_day_counts.cohort_start_date
            and cells.period_index = n_day_counts.period_index
    union all
    select
        cells.tenant_id,
        cells.retention_id,
        cells.cohort_grain,
        cells.cohort_start_date,
        'unbounded' as retention_mode,
        cells.period_index,
        cast(cells.period_index as {{ dbt.type_string() }}) || '+' as period_label,
        cells.cohort_persons,
        coalesce(unbounded_counts.retained_persons, 0) as retained_persons,
        cells.period_end_date
    from cells
    left join unbounded_counts
        on
            cells.tenant_id = unbounded_counts.tenant_id
            and cells.retention_id = unbounded_counts.retention_id
            and cells.cohort_grain = unbounded_counts.cohort_grain
            and cells.cohort_start_date = unbounded_counts.cohort_start_date
            and cells.period_index = unbounded_counts.period_index
    union all
    select
        cells.tenant_id,
        cells.retention_id,
        cells.cohort_grain,
        cells.cohort_start_date,
        'bracket' as retention_mode,
        brackets.from_period as period_index,
        brackets.bracket_name as period_label,
        cells.cohort_persons,
        coalesce(bracket_counts.retained_persons, 0) as retained_persons,
        cells.period_end_date
    from cells
    inner join brackets
        on
            cells.cohort_grain = brackets.cohort_grain
            and cells.period_index = brackets.to_period
    left join bracket_counts
        on
            cells.tenant_id = bracket_counts.tenant_id
            and cells.retention_id = bracket_counts.retention_id
            and cells.cohort_grain = bracket_counts.cohort_grain
            and cells.cohort_start_date = bracket_counts.cohort_start_date
            and brackets.bracket_name = bracket_counts.bracket_name
),

cells_censored as (
    select
        cells_counted.*,
        cast(cells_counted.period_end_date as timestamp)
        <= data_ends.data_end_local as is_observable
    from cells_counted
    inner join data_ends
        on cells_counted.tenant_id = data_ends.tenant_id
),

final as (
    select
        tenant_id,
        retention_id,
        cohort_grain,
        cohort_start_date,
        retention_mode,
        period_index,
        period_label,
        cohort_persons,
        is_observable,
        period_end_date,
        case when is_observable then retained_persons end as retained_persons,
        case
            when is_observable then retained_persons / cohort_persons
        end as retention_rate
    from cells_censored
)

select * from final
