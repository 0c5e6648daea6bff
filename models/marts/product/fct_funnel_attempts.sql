-- The funnel engine: one row per attempt (an entry into a funnel) with every step it
-- completed. Ordered and strict funnels extend each attempt one step at a time with the
-- earliest qualifying event (a Jinja loop over step numbers, each a set-based join);
-- unordered funnels count the distinct steps inside the window after each anchor event.
{%- set max_steps = var('product_funnel_max_steps') %}
with

step_events as (
    select * from {{ ref('fct_funnel_step_events') }}
),

funnels as (
    select * from {{ ref('funnels') }}
),

funnel_steps as (
    select * from {{ ref('funnel_steps') }}
),

events as (
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
        [event_at] as step_completed_at,
        [occurrence_id] as step_occurrence_ids
    from entries_ranked
    where entry_mode = 'any' or entry_number = 1
),
{%- for step in range(2, max_steps + 1) %}

    candidates_step_{{ step }} as (
        select
            attempts.tenant_id,
            attempts.funnel_id,
            attempts.attempt_id,
            step_events.occurrence_id,
            step_events.event_at,
            step_events.stream_seq
        from attempts_step_{{ step - 1 }} as attempts
        inner join funnels
            on attempts.funnel_id = funnels.funnel_id
        inner join funnel_steps
            on
                attempts.funnel_id = funnel_steps.funnel_id
                and funnel_steps.step_index = {{ step }}
        inner join step_events
            on
                attempts.tenant_id = step_events.tenant_id
                and attempts.funnel_id = step_events.funnel_id
                and attempts.person_id = step_events.person_id
                and step_events.step_index = {{ step }}
                and attempts.last_at <= step_events.event_at
        where
            attempts.steps_reached = {{ step - 1 }}
            and not list_contains(
                attempts.step_occurrence_ids, step_events.occurrence_id
            )
            and (
                funnels.conversion_window_seconds is null
                or step_events.event_at <= attempts.entered_at
                + to_seconds(funnels.conversion_window_seconds)
            )
            and (
                funnel_steps.max_seconds_from_previous is null
                or step_events.event_at <= attempts.last_at
                + to_seconds(funnel_steps.max_seconds_from_previous)
            )
            and (
                funnels.order_mode != 'strict'
                or step_events.stream_seq = attempts.last_seq + 1
                -- a session start shares its place with the session's first event
                or step_events.stream_seq = attempts.last_seq
            )
            and (
                funnel_steps.later_utc_period is null
                or {{ product_period_start(
                    'funnel_steps.later_utc_period', 'step_events.event_at'
                ) }}
                > {{ product_period_start(
                    'funnel_steps.later_utc_period', 'attempts.last_at'
                ) }}
            )
        qualify row_number() over (
            partition by attempts.tenant_id, attempts.funnel_id, attempts.attempt_id
            order by step_events.event_at asc, step_events.occurrence_id asc
        ) = 1
    ),

    attempts_step_{{ step }} as (
        select
            attempts.tenant_id,
            attempts.funnel_id,
            attempts.person_id,
            attempts.attempt_id,
            attempts.entered_at,
            attempts.entry_platform,
            attempts.entry_session_id,
            coalesce(
                candidates.occurrence_id, attempts.last_occurrence_id
            ) as last_occurrence_id,
            coalesce(candidates.event_at, attempts.last_at) as last_at,
            coalesce(candidates.stream_seq, attempts.last_seq) as last_seq,
            attempts.steps_reached
            + (candidates.occurrence_id is not null)::integer as steps_reached,
            case
                when candidates.occurrence_id is null then attempts.step_completed_at
                else list_append(attempts.step_completed_at, candidates.event_at)
            end as step_completed_at,
            case
                when candidates.occurrence_id is null then attempts.step_occurrence_ids
                else list_append(
                    attempts.step_occurrence_ids, candidates.occurrence_id
                )
            end as step_occurrence_ids
        from attempts_step_{{ step - 1 }} as attempts
        left join candidates_step_{{ step }} as candidates
            on
                attempts.tenant_id = candidates.tenant_id
                and attempts.funnel_id = candidates.funnel_id
                and attempts.attempt_id = candidates.attempt_id
    ),
{%- endfor %}

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
            + to_seconds(anchors.conversion_window_seconds)
        )
    group by all
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
        list(first_at order by first_at asc, step_index asc) as step_completed_at
    from unordered_steps_within
    group by all
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
    from attempts_step_{{ max_steps }}
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
        and exclusion_events.event_at
        > attempts.step_completed_at[exclusion_events.from_step]
        and exclusion_events.event_at < coalesce(
            attempts.step_completed_at[exclusion_events.to_step],
            attempts.entered_at + to_seconds(funnels.conversion_window_seconds),
            'infinity'::timestamptz
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
