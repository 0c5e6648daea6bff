with

notifications as (
    select * from {{ ref('fct_notifications') }}
),

tenants as (
    select * from {{ ref('tenants') }}
),

notifications_dated as (
    select
        notifications.*,
        {{ local_date(
            "coalesce(tenants.time_zone, 'UTC')", 'notifications.first_sent_at'
        ) }} as sent_date
    from notifications
    left join tenants
        on notifications.tenant_id = tenants.tenant_id
    where notifications.first_sent_at is not null
),

funnel_counted as (
    select
        tenant_id,
        sent_date,
        coalesce(channel, 'unknown') as channel,
        coalesce(campaign_id, 'unknown') as campaign_id,
        count(*) as notifications_sent,
        sum(send_attempts) as send_attempts,
        count(*) filter (where is_delivered) as delivered,
        count(*) filter (where is_displayed) as displayed,
        count(*) filter (where is_opened) as opened,
        count(*) filter (where is_dismissed) as dismissed,
        count(*) filter (where is_failed) as failed,
        sum(failed_attempts) as failed_attempts,
        count(*) filter (where is_missed) as missed,
        count(*) filter (where is_fallback_used) as fallback_used,
        round({{ percentile_cont('send_to_deliver_ms', 0.5) }}, 3) as median_send_to_deliver_ms,
        round({{ percentile_cont('deliver_to_display_ms', 0.5) }}, 3)
            as median_deliver_to_display_ms,
        round({{ percentile_cont('display_to_open_ms', 0.5) }}, 3) as median_display_to_open_ms,
        round({{ percentile_cont('send_to_open_ms', 0.5) }}, 3) as median_send_to_open_ms
    from notifications_dated
    group by
        tenant_id,
        sent_date,
        coalesce(channel, 'unknown'),
        coalesce(campaign_id, 'unknown')
),

rates_computed as (
    select
        *,
        delivered / notifications_sent as delivery_rate,
        displayed / nullif(delivered, 0) as display_rate,
        opened / nullif(delivered, 0) as open_rate,
        dismissed / nullif(delivered, 0) as dismiss_rate,
        failed / notifications_sent as failure_rate,
        missed / notifications_sent as missed_rate
    from funnel_counted
),

final as (
    select
        tenant_id,
        channel,
        campaign_id,
        sent_date,
        notifications_sent,
        send_attempts,
        delivered,
        displayed,
        opened,
        dismissed,
        failed,
        failed_attempts,
        missed,
        fallback_used,
        delivery_rate,
        display_rate,
        open_rate,
        dismiss_rate,
        failure_rate,
        missed_rate,
        median_send_to_deliver_ms,
        median_deliver_to_display_ms,
        median_display_to_open_ms,
        median_send_to_open_ms
    from rates_computed
)

select * from final
