-- Marketing touches a conversion can be credited to: sessions (with their channel; paid
-- channels are paid clicks), email link clicks and notification opens, each grouped into
-- a channel by the rules of seed channel_groups.
with

sessions as (
    select * from {{ ref('fct_sessions') }}
),

analytics_events as (
    select * from {{ ref('fct_analytics_events') }}
),

emails as (
    select * from {{ ref('stg_segment__emails') }}
),

notifications as (
    select * from {{ ref('stg_segment__notifications') }}
),

channel_groups as (
    select * from {{ ref('channel_groups') }}
),

session_touches as (
    select
        tenant_id,
        person_id,
        started_at as touched_at,
        session_id,
        first_campaign_source as campaign_source,
        first_campaign_medium as campaign_medium,
        first_campaign_name as campaign_name,
        first_channel as channel,
        'session:' || session_id as touch_id
    from sessions
),

message_touches as (
    select
        emails.tenant_id,
        emails.event_id as touch_id,
        analytics_events.person_id,
        analytics_events.event_at as touched_at,
        analytics_events.session_id,
        'email' as campaign_source,
        'email' as campaign_medium,
        emails.campaign_id as campaign_name
    from emails
    inner join analytics_events
        on
            emails.tenant_id = analytics_events.tenant_id
            and emails.event_id = analytics_events.event_id
    where emails.event_name = 'Email Link Clicked'
    union all
    select
        notifications.tenant_id,
        notifications.event_id as touch_id,
        analytics_events.person_id,
        analytics_events.event_at as touched_at,
        analytics_events.session_id,
        'notification' as campaign_source,
        notifications.channel as campaign_medium,
        notifications.campaign_id as campaign_name
    from notifications
    inner join analytics_events
        on
            notifications.tenant_id = analytics_events.tenant_id
            and notifications.event_id = analytics_events.event_id
    where notifications.event_name = 'Notification Opened'
),

message_channels_matched as (
    select
        message_touches.tenant_id,
        message_touches.touch_id,
        coalesce(
            {{ arg_min_not_null('channel_groups.channel', 'channel_groups.priority') }},
            'Unassigned'
        ) as channel
    from message_touches
    left join channel_groups
        on
            {{ regexp_full_match(
                "coalesce(message_touches.campaign_source, '')",
                "coalesce(channel_groups.source_pattern, '')"
            ) }}
            and {{ regexp_full_match(
                "coalesce(message_touches.campaign_medium, '')",
                "coalesce(channel_groups.medium_pattern, '')"
            ) }}
    group by message_touches.tenant_id, message_touches.touch_id
),

touches_unioned as (
    select
        tenant_id,
        touch_id,
        case
            when channel in ('Paid Search', 'Paid Social', 'Display', 'Paid Other')
                then 'paid_click'
            else 'session'
        end as touch_type,
        person_id,
        touched_at,
        session_id,
        campaign_source,
        campaign_medium,
        campaign_name,
        channel
    from session_touches
    union all
    select
        message_touches.tenant_id,
        message_touches.touch_id,
        case
            when message_touches.campaign_source = 'email' then 'email_click'
            else 'notification_open'
        end as touch_type,
        message_touches.person_id,
        message_touches.touched_at,
        message_touches.session_id,
        message_touches.campaign_source,
        message_touches.campaign_medium,
        message_touches.campaign_name,
        message_channels_matched.channel
    from message_touches
    inner join message_channels_matched
        on
            message_touches.tenant_id = message_channels_matched.tenant_id
            and message_touches.touch_id = message_channels_matched.touch_id
),

final as (
    select
        tenant_id,
        touch_id,
        touch_type,
        person_id,
        touched_at,
        session_id,
        campaign_source,
        campaign_medium,
        campaign_name,
        channel
    from touches_unioned
)

select * from final
