-- Incremental: a run derives again the events staged since its newest row (less the raw lookback);
-- its pre-hook first deletes their rows, so an event whose kept copy is no longer a notification
-- event leaves the table (macro staged_events_derived_config). Its post-hook gives rows written
-- earlier the channel and fallback_channel their seed gives now.
{{ staged_events_derived_config(post_hook=[
    "{{ enum_values_renormalized('channel', 'channel_raw', ref('enum_notification_channels')) }}",
    "{{ enum_values_renormalized(
        'fallback_channel', 'fallback_channel_raw', ref('enum_notification_channels')
    ) }}",
]) }}

with

events as (
    {{ staged_events_in_scope(ref('stg_segment__events')) }}
),

notification_channels as (
    select * from {{ ref('enum_notification_channels') }}
),

notifications_filtered as (
    select * from events
    where
        event_type = 'track'
        and event_name in (
            'Notification Sent',
            'Notification Delivered',
            'Notification Displayed',
            'Notification Opened',
            'Notification Dismissed',
            'Notification Failed'
        )
),

properties_parsed as (
    select
        *,
        {{ json_unpack('payload', {
            "properties": {
                "notification_id": "VARCHAR",
                "campaign_id": "VARCHAR",
                "channel": "VARCHAR",
                "attempt": "BIGINT",
                "failure_reason": "VARCHAR",
                "fallback_channel": "VARCHAR"
            }
        }) }} as unpacked
    from notifications_filtered
),

properties_unpacked as (
    select
        tenant_id,
        event_id,
        event_name,
        event_at,
        received_at,
        anonymous_id,
        user_id,
        platform,
        _loaded_at,
        is_background,
        unpacked['properties']['notification_id'] as notification_id,
        unpacked['properties']['campaign_id'] as campaign_id,
        unpacked['properties']['channel'] as channel_raw,
        unpacked['properties']['attempt'] as attempt,
        unpacked['properties']['failure_reason'] as failure_reason,
        unpacked['properties']['fallback_channel'] as fallback_channel_raw,
        case event_name
            when 'Notification Sent' then 'sent'
            when 'Notification Delivered' then 'delivered'
            when 'Notification Displayed' then 'displayed'
            when 'Notification Opened' then 'opened'
            when 'Notification Dismissed' then 'dismissed'
            when 'Notification Failed' then 'failed'
        end as phase
    from properties_parsed
),

channels_normalized as (
    select
        properties_unpacked.*,
        case
            when properties_unpacked.channel_raw is not null
                then coalesce(channels.normalized_value, 'unknown')
        end as channel,
        case
            when properties_unpacked.fallback_channel_raw is not null
                then coalesce(fallback_channels.normalized_value, 'unknown')
        end as fallback_channel
    from properties_unpacked
    left join notification_channels as channels
        on lower(trim(properties_unpacked.channel_raw)) = channels.raw_value
    left join notification_channels as fallback_channels
        on lower(trim(properties_unpacked.fallback_channel_raw)) = fallback_channels.raw_value
)

select * from channels_normalized
