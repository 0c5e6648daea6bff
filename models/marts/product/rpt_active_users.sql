with

events as (
    select * from {{ ref('int_product_events_localized') }}
),

person_days as (
    select distinct
        tenant_id,
        platform,
        person_id,
        event_date as activity_date
    from events
    where event_date is not null
    union all
    select distinct
        tenant_id,
        'all' as platform,
        person_id,
        event_date as activity_date
    from events
    where event_date is not null
),

tenant_ranges as (
    select
        tenant_id,
        min(activity_date) as first_date,
        max(activity_date) as last_date
    from person_days
    group by tenant_id
),

platforms as (
    select distinct
        tenant_id,
        platform
    from person_days
),

date_spine as (
    select
        platforms.tenant_id,
        platforms.platform,
        tenant_ranges.first_date,
        tenant_ranges.last_date,
        {{ date_range_unnest(
            'tenant_ranges.first_date', 'tenant_ranges.last_date'
        ) }} as activity_date
    from platforms
    inner join tenant_ranges
        on platforms.tenant_id = tenant_ranges.tenant_id
),

person_days_flagged as (
    select
        tenant_id,
        platform,
        person_id,
        activity_date,
        min(activity_date) over (
            partition by tenant_id, platform, person_id
        ) as first_active_date,
        lag(activity_date) over (
            partition by tenant_id, platform, person_id
            order by activity_date
        ) as previous_active_date,
        lead(activity_date) over (
            partition by tenant_id, platform, person_id
            order by activity_date
        ) as next_active_date
    from person_days
),

lifecycle_counted as (
    select
        tenant_id,
        platform,
        activity_date,
        count(*) as daily_active_users,
        count(*) filter (where activity_date = first_active_date) as new_users,
        count(*) filter (
            where previous_active_date = activity_date - 1
        ) as returning_users,
        count(*) filter (
            where
            activity_date > first_active_date
            and previous_active_date < activity_date - 1
        ) as resurrected_users
    from person_days_flagged
    group by tenant_id, platform, activity_date
),

dormant_counted as (
    -- Active the day before, not on this day: counted on this day.
    select
        tenant_id,
        platform,
        cast(activity_date + 1 as date) as activity_date,
        count(*) as dormant_users
    from person_days_flagged
    where next_active_date is null or next_active_date > activity_date + 1
    group by tenant_id, platform, cast(activity_date + 1 as date)
),

-- A person is in WAU (MAU) from each active day until the day before their next active
-- day, for at most 7 (30) days. Those stretches do not overlap, so WAU on a day is the
-- running sum of stretches started less stretches ended: no join of every day with its 30
-- days of activity and no count(distinct ...) (10x less work at 1M events).
window_edges as (
    select
        tenant_id,
        platform,
        activity_date as edge_date,
        1 as weekly_change,
        1 as monthly_change
    from person_days_flagged
    {%- for days, weekly_change, monthly_change in [(7, -1, 0), (30, 0, -1)] %}
        union all
        select
            tenant_id,
            platform,
            cast(least(
                activity_date + {{ days }}, coalesce(next_active_date, activity_date + {{ days }})
            ) as date) as edge_date,
            {{ weekly_change }} as weekly_change,
            {{ monthly_change }} as monthly_change
        from person_days_flagged
    {%- endfor %}
),

window_changes as (
    select
        tenant_id,
        platform,
        edge_date,
        sum(weekly_change) as weekly_change,
        sum(monthly_change) as monthly_change
    from window_edges
    group by tenant_id, platform, edge_date
),

rolling_counted as (
    select
        date_spine.tenant_id,
        date_spine.platform,
        date_spine.activity_date,
        cast(sum(coalesce(window_changes.weekly_change, 0)) over days_so_far as bigint)
            as weekly_active_users,
        cast(sum(coalesce(window_changes.monthly_change, 0)) over days_so_far as bigint)
            as monthly_active_users
    from date_spine
    left join window_changes
        on
            date_spine.tenant_id = window_changes.tenant_id
            and date_spine.platform = window_changes.platform
            and date_spine.activity_date = window_changes.edge_date
    window days_so_far as (
        partition by date_spine.tenant_id, date_spine.platform
        order by date_spine.activity_date
        rows between unbounded preceding and current row
    )
),

final as (
    select
        date_spine.tenant_id,
        date_spine.platform,
        date_spine.activity_date,
        rolling_counted.weekly_active_users,
        rolling_counted.monthly_active_users,
        coalesce(lifecycle_counted.daily_active_users, 0) as daily_active_users,
        coalesce(lifecycle_counted.daily_active_users, 0)
        / nullif(rolling_counted.monthly_active_users, 0) as stickiness,
        coalesce(lifecycle_counted.new_users, 0) as new_users,
        coalesce(lifecycle_counted.returning_users, 0) as returning_users,
        coalesce(lifecycle_counted.resurrected_users, 0) as resurrected_users,
        coalesce(dormant_counted.dormant_users, 0) as dormant_users,
        date_spine.activity_date < date_spine.last_date as is_day_complete,
        date_spine.activity_date >= date_spine.first_date + 6 as is_wau_complete,
        date_spine.activity_date >= date_spine.first_date + 29 as is_mau_complete
    from date_spine
    inner join rolling_counted
        on
            date_spine.tenant_id = rolling_counted.tenant_id
            and date_spine.platform = rolling_counted.platform
            and date_spine.activity_date = rolling_counted.activity_date
    left join lifecycle_counted
        on
            date_spine.tenant_id = lifecycle_counted.tenant_id
            and date_spine.platform = lifecycle_counted.platform
            and date_spine.activity_date = lifecycle_counted.activity_date
    left join dormant_counted
        on
            date_spine.tenant_id = dormant_counted.tenant_id
            and date_spine.platform = dormant_counted.platform
            and date_spine.activity_date = dormant_counted.activity_date
)

select * from final
