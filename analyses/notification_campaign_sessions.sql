-- DuckDB SQL, as analysts query the warehouse: not compiled on Spark (README "### Spark").
{{ config(enabled=target.type != 'spark') }}

-- Which notification campaign leads to the most sessions within a day?
-- One row per tenant and notification campaign: notifications sent, delivered and opened,
-- and the recipients' sessions that start within 24 hours after an open of the campaign
-- (at or after the open: the session an open starts counts). A session counts once per
-- campaign however many of the campaign's opens precede it. Campaigns ranked per tenant by
-- those sessions (ties: campaign id).
with

notifications as (
    select * from {{ ref('fct_notifications') }}
),

sessions as (
    select * from {{ ref('fct_sessions') }}
),

campaigns_counted as (
    select
        tenant_id,
        campaign_id,
        count(*) as notifications_sent,
        count(*) filter (where is_delivered) as notifications_delivered,
        count(*) filter (where is_opened) as notifications_opened
    from notifications
    group by tenant_id, campaign_id
),

sessions_after_opens as (
    select distinct
        notifications.tenant_id,
        notifications.campaign_id,
        sessions.session_id
    from notifications
    inner join sessions
        on
            notifications.tenant_id = sessions.tenant_id
            and notifications.person_id = sessions.person_id
            and notifications.opened_at <= sessions.started_at
            and notifications.opened_at + interval 24 hour > sessions.started_at
    where notifications.is_opened
),

sessions_counted as (
    select
        tenant_id,
        campaign_id,
        count(*) as sessions_within_a_day
    from sessions_after_opens
    group by tenant_id, campaign_id
),

final as (
    select
        campaigns_counted.tenant_id,
        campaigns_counted.campaign_id,
        campaigns_counted.notifications_sent,
        campaigns_counted.notifications_delivered,
        campaigns_counted.notifications_opened,
        coalesce(sessions_counted.sessions_within_a_day, 0) as sessions_within_a_day,
        coalesce(sessions_counted.sessions_within_a_day, 0)
        / nullif(campaigns_counted.notifications_delivered, 0)
            as sessions_per_delivered_notification,
        row_number() over (
            partition by campaigns_counted.tenant_id
            order by
                coalesce(sessions_counted.sessions_within_a_day, 0) desc,
                campaigns_counted.campaign_id asc
        ) as campaign_rank
    from campaigns_counted
    left join sessions_counted
        on
            campaigns_counted.tenant_id = sessions_counted.tenant_id
            and campaigns_counted.campaign_id = sessions_counted.campaign_id
)

select * from final
order by tenant_id, campaign_rank
