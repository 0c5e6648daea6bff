-- The place of each step event of a strict funnel in its person's stream of kept events (by
-- event_at, then event_id): a strict funnel's next step must be the very next event. Only
-- the differences of places matter, so a person's events are numbered from the first of
-- their strict steps to the last (whatever lies between two steps lies within), not from
-- the first event. Rebuilt whole, for the persons with such steps only: a late or moved
-- event renumbers the rest of its person's stream, so no row is an event's own.
with

step_events as (
    select * from {{ ref('fct_funnel_step_events') }}
),

funnels as (
    select * from {{ ref('funnels') }}
),

events as (
    select * from {{ ref('fct_analytics_events') }}
),

strict_step_events as (
    select distinct
        step_events.tenant_id,
        step_events.person_id,
        step_events.event_id,
        step_events.event_at
    from step_events
    inner join funnels
        on step_events.funnel_id = funnels.funnel_id
    where funnels.order_mode = 'strict'
),

strict_persons as (
    select
        tenant_id,
        person_id,
        min(event_at) as first_step_at,
        max(event_at) as last_step_at
    from strict_step_events
    group by tenant_id, person_id
),

streams_numbered as (
    select
        events.tenant_id,
        events.person_id,
        events.event_id,
        row_number() over (
            partition by events.tenant_id, events.person_id
            order by events.event_at asc, events.event_id asc
        ) as stream_seq
    from events
    inner join strict_persons
        on
            events.tenant_id = strict_persons.tenant_id
            and events.person_id = strict_persons.person_id
            and events.event_at >= strict_persons.first_step_at
            and events.event_at <= strict_persons.last_step_at
),

final as (
    select
        streams_numbered.tenant_id,
        streams_numbered.person_id,
        streams_numbered.event_id,
        streams_numbered.stream_seq
    from streams_numbered
    inner join strict_step_events
        on
            streams_numbered.tenant_id = strict_step_events.tenant_id
            and streams_numbered.event_id = strict_step_events.event_id
)

select * from final
