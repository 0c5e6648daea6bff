-- Invariant: every event with at least one identifier that is not a placeholder is
-- assigned to exactly one person in int_events_identified.

with

events as (
    select * from {{ ref('int_identity_events_cleaned') }}
),

events_identified as (
    select * from {{ ref('int_events_identified') }}
),

identifiable_events as (
    select
        tenant_id,
        event_id
    from events
    where
        user_id is not null
        or anonymous_id is not null
        or device_id is not null
        or (event_type = 'alias' and previous_id is not null)
),

events_without_person as (
    select
        identifiable_events.tenant_id,
        identifiable_events.event_id
    from identifiable_events
    left join events_identified
        on
            identifiable_events.tenant_id = events_identified.tenant_id
            and identifiable_events.event_id = events_identified.event_id
    where events_identified.event_id is null
)

select * from events_without_person
