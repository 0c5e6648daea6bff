{%- set sent_first = ["phase <> 'sent'", 'event_at', 'event_id'] -%}

with

notification_events as (
    select * from {{ ref('stg_segment__notifications') }}
    where notification_id is not null
),

events as (
    select * from {{ ref('fct_events') }}
),

persons_attached as (
    select
        notification_events.*,
        events.person_id
    from notification_events
    left join events
        on
            notification_events.tenant_id = events.tenant_id
            and notification_events.event_id = events.event_id
),

data_horizon as (
    select
        tenant_id,
        max(coalesce(received_at, event_at)) as observed_until
    from notification_events
    group by tenant_id
),

phases_collapsed as (
    select
        tenant_id,
        notification_id,
        {{ first_ordered('person_id', sent_first, 'person_id is not null') }} as person_id,
        {{ first_ordered('campaign_id', sent_first, 'campaign_id is not null') }} as campaign_id,
        {{ first_ordered('channel', sent_first, 'channel is not null') }} as channel,
        min(event_at) as first_event_at,
        min(event_at) filter (where phase = 'sent') as first_sent_at,
        max(event_at) filter (where phase = 'sent') as last_sent_at,
        count(*) filter (where phase = 'sent') as send_attempts,
        max(attempt) as max_attempt,
        count(*) filter (where phase = 'failed') as failed_attempts,
        {{ last_ordered('failure_reason', ['event_at', 'event_id'], "phase = 'failed'") }}
            as last_failure_reason,
        {{ last_ordered(
            'fallback_channel',
            ['event_at', 'event_id'],
            "phase = 'failed' and fallback_channel is not null"
        ) }} as fallback_channel,
        min(event_at) filter (where phase = 'delivered') as delivery_receipt_at,
        min(event_at) filter (where phase = 'displayed') as displayed_at,
        min(event_at) filter (where phase = 'opened') as opened_at,
        min(event_at) filter (where phase = 'dismissed') as dismissed_at
    from persons_attached
    group by tenant_id, notification_id
),

-- Messaging fails closed: a notification counts only when its person had granted messaging
-- when it started (its first send, else its first phase seen); a person without a consent
-- record is absent.
phases_derived as (
    select
        *,
        -- A device phase proves delivery even when the receipt was lost.
        coalesce(
            delivery_receipt_at, least(displayed_at, opened_at, dismissed_at)
        ) as delivered_at
    from phases_collapsed
    where {{ consent_granted_at(
        'messaging',
        'phases_collapsed',
        'coalesce(phases_collapsed.first_sent_at, phases_collapsed.first_event_at)'
    ) }}
),

lifecycle_measured as (
    select
        phases_derived.*,
        data_horizon.observed_until,
        greatest(phases_derived.send_attempts, phases_derived.max_attempt)
            as attempts,
        phases_derived.delivered_at is not null as is_delivered,
        phases_derived.delivery_receipt_at is not null as has_delivery_receipt,
        phases_derived.displayed_at is not null as is_displayed,
        phases_derived.opened_at is not null as is_opened,
        phases_derived.dismissed_at is not null as is_dismissed,
        phases_derived.failed_attempts > 0 as has_failed_attempt,
        phases_derived.failed_attempts > 0
        and phases_derived.delivered_at is null as is_failed,
        coalesce(phases_derived.fallback_channel not in ('none', 'unknown'), false)
            as is_fallback_used,
        {{ async_gap_ms('phases_derived.first_sent_at', 'phases_derived.delivered_at') }}
            as send_to_deliver_ms,
        {{ async_gap_ms('phases_derived.delivered_at', 'phases_derived.displayed_at') }}
            as deliver_to_display_ms,
        {{ async_gap_ms('phases_derived.displayed_at', 'phases_derived.opened_at') }}
            as display_to_open_ms,
        {{ async_gap_ms('phases_derived.first_sent_at', 'phases_derived.opened_at') }}
            as send_to_open_ms,
        coalesce(
            phases_derived.delivered_at < phases_derived.first_sent_at
            or phases_derived.displayed_at < phases_derived.delivered_at
            or phases_derived.opened_at < phases_derived.displayed_at
            or phases_derived.dismissed_at < phases_derived.displayed_at,
            false
        ) as has_out_of_order_phases,
        case
            when phases_derived.first_sent_at is null then false
            when phases_derived.delivered_at is not null
                then
                    phases_derived.delivered_at > phases_derived.first_sent_at
                    + {{ interval_minutes(var('notification_missed_after_minutes')) }}
            else
                data_horizon.observed_until >= phases_derived.first_sent_at
                + {{ interval_minutes(var('notification_missed_after_minutes')) }}
        end as is_missed
    from phases_derived
    left join data_horizon
        on phases_derived.tenant_id = data_horizon.tenant_id
),

status_assigned as (
    select
        *,
        case
            when is_opened then 'opened'
            when is_dismissed then 'dismissed'
            when is_displayed then 'displayed'
            when is_delivered then 'delivered'
            when is_failed then 'failed'
            when is_missed then 'missed'
            else 'pending'
        end as status
    from lifecycle_measured
),

final as (
    select
        tenant_id,
        notification_id,
        person_id,
        campaign_id,
        channel,
        status,
        first_sent_at,
        last_sent_at,
        delivered_at,
        displayed_at,
        opened_at,
        dismissed_at,
        send_attempts,
        attempts,
        failed_attempts,
        last_failure_reason,
        fallback_channel,
        is_fallback_used,
        is_delivered,
        has_delivery_receipt,
        is_displayed,
        is_opened,
        is_dismissed,
        has_failed_attempt,
        is_failed,
        is_missed,
        has_out_of_order_phases,
        send_to_deliver_ms,
        deliver_to_display_ms,
        display_to_open_ms,
        send_to_open_ms
    from status_assigned
)

select * from final
