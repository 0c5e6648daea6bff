-- The events analytics marts count: the single place where bots and events after a
-- person's analytics opt-out leave the analysis.
with

events as (
    select * from {{ ref('fct_events') }}
),

persons as (
    select * from {{ ref('dim_persons') }}
),

events_kept as (
    select
        events.tenant_id,
        events.event_id,
        events.event_type,
        events.event_name,
        events.view_name,
        events.event_at,
        events.received_at,
        events.timestamp_source,
        events.platform,
        events.is_background,
        events.person_id,
        events.session_id,
        events.event_number_in_session,
        events.anonymous_id,
        events.user_id,
        events.device_id,
        events.campaign_source,
        events.campaign_medium,
        events.campaign_name,
        events.page_path,
        events.payload,
        events._loaded_at,
        events._written_at,
        persons.user_id as person_user_id,
        persons.plan_tier as person_plan_tier
    from events
    inner join persons
        on
            events.tenant_id = persons.tenant_id
            and events.person_id = persons.person_id
    where
        not persons.is_bot
        and (
            persons.analytics_opted_out_at is null
            or events.event_at <= persons.analytics_opted_out_at
        )
)

select * from events_kept
