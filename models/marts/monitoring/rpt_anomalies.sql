with

analytics_events as (
    select * from {{ ref('fct_analytics_events') }}
),

events as (
    select * from {{ ref('fct_events') }}
),

sessions as (
    select * from {{ ref('fct_sessions') }}
),

notifications as (
    select * from {{ ref('fct_notifications') }}
),

api_requests as (
    select * from {{ ref('fct_api_requests') }}
),

tenants as (
    select * from {{ ref('tenants') }}
),

data_extent as (
    select
        events.tenant_id,
        coalesce(any_value(tenants.time_zone), 'UTC') as time_zone,
        min(events.event_at) as first_event_at,
        max(events.event_at) as last_event_at
    from events
    left join tenants
        on events.tenant_id = tenants.tenant_id
    group by events.tenant_id
),

calendar_days as (
    select
        tenant_id,
        time_zone,
        first_event_at,
        last_event_at,
        {{ date_range_unnest(
            local_date('time_zone', 'first_event_at'), local_date('time_zone', 'last_event_at')
        ) }} as metric_date
    from data_extent
),

-- A day is complete when the tenant's data starts before its local midnight and
-- reaches past the next one.
complete_days as (
    select
        tenant_id,
        time_zone,
        metric_date
    from calendar_days
    where
        {{ timestamp_from_local('time_zone', 'cast(metric_date as timestamp)') }}
        >= first_event_at
        and {{ timestamp_from_local('time_zone', 'cast(metric_date + 1 as timestamp)') }}
        <= last_event_at
),

-- Counted per UTC minute first, so that each minute, not each event, is converted to the
-- tenant's local date (local_dates_by_minute says why).
event_volume_by_minute as (
    select
        tenant_id,
        {{ dbt.date_trunc('minute', 'event_at') }} as minute_at,
        count(*) as event_count
    from analytics_events
    group by
        tenant_id,
        {{ dbt.date_trunc('minute', 'event_at') }}
),

event_volume as (
    select
        event_volume_by_minute.tenant_id,
        {{ local_date('data_extent.time_zone', 'event_volume_by_minute.minute_at') }}
            as metric_date,
        'event_volume' as metric,
        cast(sum(event_volume_by_minute.event_count) as bigint) as metric_value
    from event_volume_by_minute
    inner join data_extent
        on event_volume_by_minute.tenant_id = data_extent.tenant_id
    group by
        event_volume_by_minute.tenant_id,
        {{ local_date('data_extent.time_zone', 'event_volume_by_minute.minute_at') }}
),

api_minute_dates as (
    {{ local_dates_by_minute('api_requests', 'requested_at', 'tenants') }}
),

api_daily as (
    select
        api_requests.tenant_id,
        api_minute_dates.local_date as metric_date,
        count(*) filter (where api_requests.status_class in ('4xx', '5xx'))
        / count(*) as api_error_rate,
        {{ percentile_cont('api_requests.latency_ms', 0.95) }} as api_latency_p95_ms
    from api_requests
    inner join data_extent
        on api_requests.tenant_id = data_extent.tenant_id
    left join api_minute_dates
        on
            api_requests.tenant_id = api_minute_dates.tenant_id
            and {{ dbt.date_trunc('minute', 'api_requests.requested_at') }}
            = api_minute_dates.minute_at
    group by
        api_requests.tenant_id,
        api_minute_dates.local_date
),

notification_daily as (
    select
        notifications.tenant_id,
        {{ local_date('data_extent.time_zone', 'notifications.first_sent_at') }}
            as metric_date,
        'notification_delivery_rate' as metric,
        count(*) filter (where notifications.is_delivered) / count(*) as metric_value
    from notifications
    inner join data_extent
        on notifications.tenant_id = data_extent.tenant_id
    where notifications.first_sent_at is not null
    group by
        notifications.tenant_id,
        {{ local_date('data_extent.time_zone', 'notifications.first_sent_at') }}
),

conversion_daily as (
    select
        tenant_id,
        session_date as metric_date,
        'session_conversion_rate' as metric,
        count(*) filter (where order_count > 0) / count(*) as metric_value
    from sessions
    group by tenant_id, session_date
),

metrics_long as (
    select
        tenant_id,
        metric_date,
        metric,
        metric_value
    from event_volume
    union all
    select
        tenant_id,
        metric_date,
        'api_error_rate' as metric,
        api_error_rate as metric_value
    from api_daily
    union all
    select
        tenant_id,
        metric_date,
        'api_latency_p95_ms' as metric,
        api_latency_p95_ms as metric_value
    from api_daily
    union all
    select
        tenant_id,
        metric_date,
        metric,
        metric_value
    from notification_daily
    union all
    select
        tenant_id,
        metric_date,
        metric,
        metric_value
    from conversion_daily
),

metric_names as (
    select distinct
        tenant_id,
        metric
    from metrics_long
),

-- Every complete day of every metric a tenant has: a day without events has volume 0;
-- a rate without a denominator stays null and is not compared.
metric_days as (
    select
        complete_days.tenant_id,
        complete_days.metric_date,
        metric_names.metric,
        coalesce(
            metrics_long.metric_value,
            case when metric_names.metric = 'event_volume' then 0 end
        ) as metric_value,
        -- Days since 1970 (both engines' range frames take a number on a date ordering).
        {{ dbt.datediff("cast('1970-01-01' as date)", 'complete_days.metric_date', 'day') }}
            as metric_day_number
    from complete_days
    inner join metric_names
        on complete_days.tenant_id = metric_names.tenant_id
    left join metrics_long
        on
            complete_days.tenant_id = metrics_long.tenant_id
            and complete_days.metric_date = metrics_long.metric_date
            and metric_names.metric = metrics_long.metric
),

baselines_computed as (
    select
        *,
        avg(metric_value) over trailing_days as baseline_mean,
        stddev_samp(metric_value) over trailing_days as baseline_sd,
        count(metric_value) over trailing_days as baseline_days
    from metric_days
    window trailing_days as (
        partition by tenant_id, metric
        order by metric_day_number
        range between {{ var('anomaly_trailing_days') }} preceding and 1 preceding
    )
),

scored as (
    select
        *,
        case
            when
                baseline_days >= {{ var('anomaly_min_baseline_days') }}
                and baseline_sd > 0
                then (metric_value - baseline_mean) / baseline_sd
        end as z_score
    from baselines_computed
),

final as (
    select
        tenant_id,
        metric,
        metric_date,
        metric_value,
        baseline_mean,
        baseline_sd,
        baseline_days,
        z_score,
        coalesce(abs(z_score) > {{ var('anomaly_threshold_sd') }}, false) as is_anomaly,
        case
            when z_score > {{ var('anomaly_threshold_sd') }} then 'above'
            when z_score < -{{ var('anomaly_threshold_sd') }} then 'below'
        end as direction
    from scored
)

select * from final
