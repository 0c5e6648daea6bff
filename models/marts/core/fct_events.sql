with

events as (
    select * from {{ ref('stg_segment__events') }}
),

identified as (
    select * from {{ ref('int_events_identified') }}
),

sessionized as (
    select * from {{ ref('int_events_sessionized') }}
),

events_attributed as (
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
        identified.person_id,
        sessionized.session_id,
        sessionized.event_number_in_session,
        events.anonymous_id,
        events.user_id,
        events.device_id,
        events.campaign_source,
        events.campaign_medium,
        events.campaign_name,
        events.page_path,
        events.payload
    from events
    left join identified
        on
            events.tenant_id = identified.tenant_id
            and events.event_id = identified.event_id
    left join sessionized
        on
            events.tenant_id = sessionized.tenant_id
            and events.event_id = sessionized.event_id
)

select * from events_attributed
