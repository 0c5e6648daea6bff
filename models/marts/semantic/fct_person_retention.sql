-- One row per (tenant, person) active in a session: their first active local day and
-- whether they were active again exactly 1, 7 and 28 local days later. A day that the data
-- does not reach to its end (the tenant's last event) is not observable: its flag is null,
-- as in rpt_retention (retention_id activity, day cohorts, n_day mode).
with

events as (
    select * from {{ ref('int_product_events_localized') }}
),

tenants as (
    select * from {{ ref('tenants') }}
),

data_ends as (
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

first_activity as (
    select
        tenant_id,
        person_id,
        min(event_at) as first_active_at,
        {{ arg_min_not_null('event_date', 'event_at') }} as first_active_date
    from events
    group by tenant_id, person_id
),

return_days as (
    select distinct
        first_activity.tenant_id,
        first_activity.person_id,
        {{ dbt.datediff(
            'first_activity.first_active_date', 'events.event_date', 'day'
        ) }} as days_after_first
    from first_activity
    inner join events
        on
            first_activity.tenant_id = events.tenant_id
            and first_activity.person_id = events.person_id
),

returns_flagged as (
    select
        tenant_id,
        person_id,
        bool_or(days_after_first = 1) as is_active_day_1,
        bool_or(days_after_first = 7) as is_active_day_7,
        bool_or(days_after_first = 28) as is_active_day_28
    from return_days
    group by tenant_id, person_id
),

observability as (
    select
        first_activity.tenant_id,
        first_activity.person_id,
        first_activity.first_active_at,
        first_activity.first_active_date,
        -- Day N is observed whole once the data reaches the end of that local day.
        cast(first_activity.first_active_date + 2 as timestamp)
        <= data_ends.data_end_local as is_day_1_observable,
        cast(first_activity.first_active_date + 8 as timestamp)
        <= data_ends.data_end_local as is_day_7_observable,
        cast(first_activity.first_active_date + 29 as timestamp)
        <= data_ends.data_end_local as is_day_28_observable
    from first_activity
    inner join data_ends
        on first_activity.tenant_id = data_ends.tenant_id
),

final as (
    select
        observability.tenant_id,
        observability.person_id,
        observability.first_active_at,
        observability.first_active_date,
        observability.is_day_1_observable,
        observability.is_day_7_observable,
        observability.is_day_28_observable,
        case
            when observability.is_day_1_observable
                then returns_flagged.is_active_day_1
        end as is_retained_day_1,
        case
            when observability.is_day_7_observable
                then returns_flagged.is_active_day_7
        end as is_retained_day_7,
        case
            when observability.is_day_28_observable
                then returns_flagged.is_active_day_28
        end as is_retained_day_28
    from observability
    inner join returns_flagged
        on
            observability.tenant_id = returns_flagged.tenant_id
            and observability.person_id = returns_flagged.person_id
)

select * from final
