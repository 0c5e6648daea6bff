with

consents as (
    select * from {{ ref('stg_segment__consents') }}
),

events as (
    select * from {{ ref('fct_events') }}
),

-- One row per category a Consent Updated states; a category it does not name says nothing.
categories_unpivoted as (
    select
        tenant_id,
        event_id,
        event_at,
        'analytics' as category,
        has_analytics_consent as is_granted
    from consents
    where has_analytics_consent is not null
    union all
    select
        tenant_id,
        event_id,
        event_at,
        'marketing' as category,
        has_marketing_consent as is_granted
    from consents
    where has_marketing_consent is not null
    union all
    select
        tenant_id,
        event_id,
        event_at,
        'messaging' as category,
        has_messaging_consent as is_granted
    from consents
    where has_messaging_consent is not null
),

persons_attached as (
    select
        categories_unpivoted.*,
        events.person_id
    from categories_unpivoted
    inner join events
        on
            categories_unpivoted.tenant_id = events.tenant_id
            and categories_unpivoted.event_id = events.event_id
    where events.person_id is not null
),

periods_bounded as (
    select
        *,
        lead(event_at) over (
            partition by tenant_id, person_id, category
            order by event_at, event_id
        ) as valid_to
    from persons_attached
),

final as (
    select
        tenant_id,
        person_id,
        category,
        event_at as valid_from,
        valid_to,
        is_granted,
        event_id as consent_event_id
    from periods_bounded
)

select * from final
