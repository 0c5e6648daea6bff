-- The place of each step event of a strict funnel in its person's whole stream of kept
-- events (by event_at, then event_id): a strict funnel's next step must be the very next
-- event. Rebuilt whole, and only for the persons with such steps: a late or moved event
-- renumbers the rest of its person's stream, so no row is an event's own.
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
        step_events.event_id
    from step_events
    inner join funnels
        on step_events.funnel_id = funnels.funnel_id
    where funnels.order_mode = 'strict'
),

strict_persons as (
    select distinct
        tenant_id,
        person_id
    from strict_step_events
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
