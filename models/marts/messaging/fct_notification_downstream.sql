with

notifications as (
    select * from {{ ref('fct_notifications') }}
    where is_delivered and person_id is not null
),

persons as (
    select * from {{ ref('dim_persons') }}
),

sessions as (
    select * from {{ ref('fct_sessions') }}
),

-- Analytics from here on: a notification counts only when its anchor (the open, else
-- the delivery) is before the person's analytics opt-out.
anchors_chosen as (
    select
        notifications.tenant_id,
        notifications.notification_id,
        notifications.person_id,
        notifications.campaign_id,
        notifications.channel,
        notifications.is_opened,
        coalesce(notifications.opened_at, notifications.delivered_at) as anchor_at
    from notifications
    inner join persons
        on
            notifications.tenant_id = persons.tenant_id
            and notifications.person_id = persons.person_id
    where
        not persons.is_bot
        and (
            persons.analytics_opted_out_at is null
            or coalesce(notifications.opened_at, notifications.delivered_at)
            <= persons.analytics_opted_out_at
        )
),

sessions_matched as (
    select
        anchors_chosen.tenant_id,
        anchors_chosen.notification_id,
        {{ first_ordered(
            'sessions.session_id', ['sessions.started_at', 'sessions.session_id']
        ) }}
            as first_session_id
    from anchors_chosen
    inner join sessions
        on
            anchors_chosen.tenant_id = sessions.tenant_id
            and anchors_chosen.person_id = sessions.person_id
            and anchors_chosen.anchor_at <= sessions.started_at
            and sessions.started_at <= anchors_chosen.anchor_at
            + {{ interval_hours(var('messaging_downstream_session_hours')) }}
    group by anchors_chosen.tenant_id, anchors_chosen.notification_id
),

orders_matched as (
    {{ first_order_after(
        'anchors_chosen', 'notification_id', 'anchor_at',
        var('messaging_downstream_hours')
    ) }}
),

final as (
    select
        anchors_chosen.tenant_id,
        anchors_chosen.notification_id,
        anchors_chosen.person_id,
        anchors_chosen.campaign_id,
        anchors_chosen.channel,
        anchors_chosen.is_opened,
        anchors_chosen.anchor_at,
        sessions_matched.first_session_id,
        orders_matched.first_ordered_at,
        sessions_matched.first_session_id is not null as has_session,
        orders_matched.first_ordered_at is not null as has_order
    from anchors_chosen
    left join sessions_matched
        on
            anchors_chosen.tenant_id = sessions_matched.tenant_id
            and anchors_chosen.notification_id = sessions_matched.notification_id
    left join orders_matched
        on
            anchors_chosen.tenant_id = orders_matched.tenant_id
            and anchors_chosen.notification_id = orders_matched.notification_id
)

select * from final
