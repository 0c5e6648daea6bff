with

downstream as (
    select * from {{ ref('fct_notification_downstream') }}
),

groups_compared as (
    select
        tenant_id,
        coalesce(channel, 'unknown') as channel,
        coalesce(campaign_id, 'unknown') as campaign_id,
        case when is_opened then 'opened' else 'received_not_opened' end as recipient_group,
        count(*) as notifications,
        count(distinct person_id) as persons,
        count(distinct person_id) filter (where has_session) as persons_with_session,
        count(distinct person_id) filter (where has_order) as persons_with_order
    from downstream
    group by
        tenant_id,
        coalesce(channel, 'unknown'),
        coalesce(campaign_id, 'unknown'),
        case when is_opened then 'opened' else 'received_not_opened' end
),

final as (
    select
        tenant_id,
        channel,
        campaign_id,
        recipient_group,
        notifications,
        persons,
        persons_with_session,
        persons_with_order,
        persons_with_session / persons as session_rate,
        persons_with_order / persons as conversion_rate
    from groups_compared
)

select * from final
