-- The narrow input of the funnel engine: every kept event that matches a configured funnel
-- step, with its place in the person's whole event stream for strict funnels.
with

-- Inlined so each branch of product_events_matched reads only its columns (no payload copy).
events as {{ not_materialized() }} (
    select * from {{ ref('fct_analytics_events') }}
),

funnels as (
    select * from {{ ref('funnels') }}
),

funnel_steps as (
    select * from {{ ref('funnel_steps') }}
),

steps_matched as (
    {{ product_events_matched('events', 'funnel_steps', ['funnel_id', 'step_index']) }}
),

strict_persons as (
    select distinct
        steps_matched.tenant_id,
        steps_matched.person_id
    from steps_matched
    inner join funnels
        on steps_matched.funnel_id = funnels.funnel_id
    where funnels.order_mode = 'strict'
),

person_streams_numbered as (
    select
        events.tenant_id,
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

-- Only strict funnels read stream_seq: the join on event_id stays the size of their steps.
steps_sequenced as (
    {%- for strict in [true, false] %}
        select
            steps_matched.tenant_id,
            steps_matched.funnel_id,
            steps_matched.step_index,
            steps_matched.person_id,
            steps_matched.event_id,
            steps_matched.occurrence_id,
            steps_matched.event_at,
            steps_matched.platform,
            steps_matched.session_id,
            {{ 'person_streams_numbered.stream_seq' if strict
                else 'cast(null as bigint) as stream_seq' }}
        from steps_matched
        inner join funnels
            on steps_matched.funnel_id = funnels.funnel_id
        {%- if strict %}
            left join person_streams_numbered
                on
                    steps_matched.tenant_id = person_streams_numbered.tenant_id
                    and steps_matched.event_id = person_streams_numbered.event_id
        {%- endif %}
        where funnels.order_mode {{ '=' if strict else '!=' }} 'strict'
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
)

select * from steps_sequenced
