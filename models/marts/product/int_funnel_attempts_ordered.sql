-- The ordered and strict half of the funnel engine (fct_funnel_attempts adds the unordered
-- funnels and exclusions): one row per attempt, extended one step at a time with the
-- earliest qualifying event (a Jinja loop over step numbers, each a set-based join). A table
-- of its own: each step is a CTE read twice, which DuckDB keeps in memory until the query
-- ends; beside the unordered attempts, in one query, that ran out of a 1 GiB memory limit at
-- 10M events (issue #12).
{%- set max_steps = var('product_funnel_max_steps') %}
with

-- Read once per funnel step: inlined, not held in memory (see not_materialized). Steps of
-- strict funnels get their place in the person's stream (an event that is also a step of
-- another funnel gets it there too, unread: funnel_step_event_qualifies reads it for strict
-- funnels only).
step_events as {{ not_materialized() }} (
    select
        step_events.*,
        stream_positions.stream_seq
    from {{ ref('fct_funnel_step_events') }} as step_events
    left join {{ ref('int_funnel_stream_positions') }} as stream_positions
        on
            step_events.tenant_id = stream_positions.tenant_id
            and step_events.event_id = stream_positions.event_id
),

funnels as (
    select * from {{ ref('funnels') }}
),

funnel_steps as (
    select * from {{ ref('funnel_steps') }}
),

entries_ranked as (
    select
        step_events.*,
        funnels.entry_mode,
        row_number() over (
            partition by
                step_events.tenant_id, step_events.funnel_id, step_events.person_id
            order by step_events.event_at asc, step_events.occurrence_id asc
        ) as entry_number
    from step_events
    inner join funnels
        on step_events.funnel_id = funnels.funnel_id
    where
        step_events.step_index = 1
        and funnels.order_mode in ('ordered', 'strict')
),

attempts_step_1 as (
    select
        tenant_id,
        funnel_id,
        person_id,
        occurrence_id as attempt_id,
        event_at as entered_at,
        platform as entry_platform,
        session_id as entry_session_id,
        occurrence_id as last_occurrence_id,
        event_at as last_at,
        stream_seq as last_seq,
        1 as steps_reached,
        {{ list_of('event_at') }} as step_completed_at,
        {{ list_of('occurrence_id') }} as step_occurrence_ids
    from entries_ranked
    where entry_mode = 'any' or entry_number = 1
),
{%- for step in range(2, max_steps + 1) %}

    {{ funnel_attempts_step(step) }},
{%- endfor %}

final as (
    select
        tenant_id,
        funnel_id,
        person_id,
        attempt_id,
        entered_at,
        entry_platform,
        entry_session_id,
        cast(steps_reached as bigint) as steps_reached,
        step_completed_at
    from attempts_step_{{ max_steps }}
)

select * from final
