-- The funnel engine: one row per attempt (an entry into a funnel) with every step it
-- completed. Ordered and strict funnels come from int_funnel_attempts_ordered; unordered
-- funnels count the distinct steps inside the window after each anchor event here; an
-- exclusion event inside an attempt marks it excluded.
with

-- Read twice: inlined, not held in memory (see not_materialized).
step_events as {{ not_materialized() }} (
    select * from {{ ref('fct_funnel_step_events') }}
),

ordered_attempts as (
    select * from {{ ref('int_funnel_attempts_ordered') }}
),

funnels as (
    select * from {{ ref('funnels') }}
),

-- Inlined so each branch of product_events_matched reads only its columns (no payload copy).
events as {{ not_materialized() }} (
    select * from {{ ref('fct_analytics_events') }}
),

funnel_exclusions as (
    select * from {{ ref('funnel_exclusions') }}
),

exclusion_events as (
    {{ product_events_matched(
        'events', 'funnel_exclusions', ['funnel_id', 'from_step', 'to_step']
    ) }}
),

unordered_anchors_ranked as (
    select
        step_events.*,
        funnels.entry_mode,
        funnels.conversion_window_seconds,
        row_number() over (
            partition by
                step_events.tenant_id, step_events.funnel_id, step_events.person_id
            order by step_events.event_at asc, step_events.occurrence_id asc
        ) as entry_number
    from step_events
    inner join funnels
        on step_events.funnel_id = funnels.funnel_id
    where funnels.order_mode = 'unordered'
),

unordered_steps_within as (
    select
        anchors.tenant_id,
        anchors.funnel_id,
        anchors.person_id,
        anchors.occurrence_id as attempt_id,
        anchors.event_at as entered_at,
        anchors.platform as entry_platform,
        anchors.session_id as entry_session_id,
        step_events.step_index,
        min(step_events.event_at) as first_at
    from unordered_anchors_ranked as anchors
    inner join step_events
        on
            anchors.tenant_id = step_events.tenant_id
            and anchors.funnel_id = step_events.funnel_id
            and anchors.person_id = step_events.person_id
            and anchors.event_at <= step_events.event_at
    where
        (anchors.entry_mode = 'any' or anchors.entry_number = 1)
        and (
            anchors.conversion_window_seconds is null
            or step_events.event_at <= anchors.event_at
            + {{ interval_seconds('anchors.conversion_window_seconds') }}
        )
    group by
        anchors.tenant_id,
        anchors.funnel_id,
        anchors.person_id,
        anchors.occurrence_id,
        anchors.event_at,
        anchors.platform,
        anchors.session_id,
        step_events.step_index
),

unordered_attempts as (
    select
        tenant_id,
        funnel_id,
        person_id,
        attempt_id,
        entered_at,
        entry_platform,
        entry_session_id,
        count(*) as steps_reached,
        {{ list_agg_ordered('first_at', ['first_at', 'step_index']) }}
            as step_completed_at
    from unordered_steps_within
    group by
        tenant_id,
        funnel_id,
        person_id,
        attempt_id,
        entered_at,
        entry_platform,
        entry_session_id
),

attempts_unioned as (
    select
        tenant_id,
        funnel_id,
        person_id,
        attempt_id,
        entered_at,
        entry_platform,
        entry_session_id,
        steps_reached,
        step_completed_at
    from ordered_attempts
    union all
    select
        tenant_id,
        funnel_id,
        person_id,
        attempt_id,
        entered_at,
        entry_platform,
        entry_session_id,
        steps_reached,
        step_completed_at
    from unordered_attempts
),

attempts_excluded as (
    select distinct
        attempts.tenant_id,
        attempts.funnel_id,
        attempts.attempt_id
    from attempts_unioned as attempts
    inner join funnels
        on attempts.funnel_id = funnels.funnel_id
    inner join exclusion_events
        on
            attempts.tenant_id = exclusion_events.tenant_id
            and attempts.funnel_id = exclusion_events.funnel_id
            and attempts.person_id = exclusion_events.person_id
    where
        attempts.steps_reached >= exclusion_events.from_step
        and exclusion_events.event_at > {{ list_item(
            'attempts.step_completed_at', 'exclusion_events.from_step'
        ) }}
        and exclusion_events.event_at < coalesce(
            {{ list_item('attempts.step_completed_at', 'exclusion_events.to_step') }},
            attempts.entered_at
            + {{ interval_seconds('funnels.conversion_window_seconds') }},
            {{ timestamp_highest() }}
        )
),

attempts_kept as (
    select
        attempts.tenant_id,
        attempts.funnel_id,
        attempts.person_id,
        attempts.attempt_id,
        attempts.entered_at,
        attempts.entry_platform,
        attempts.entry_session_id,
        attempts.steps_reached,
        attempts.step_completed_at,
        attempts_excluded.attempt_id is not null as is_excluded
    from attempts_unioned as attempts
    left join attempts_excluded
        on
            attempts.tenant_id = attempts_excluded.tenant_id
            and attempts.funnel_id = attempts_excluded.funnel_id
            and attempts.attempt_id = attempts_excluded.attempt_id
)

select * from attempts_kept
