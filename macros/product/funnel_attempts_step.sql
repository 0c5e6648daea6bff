{#- The CTEs that extend every attempt of `attempts_step_<step - 1>` by its `step`-th step
    (the earliest qualifying step event, ties by occurrence id) into `attempts_step_<step>`:
    one set-based join per step, unrolled by int_funnel_attempts_ordered. The CTEs it reads
    there: funnels, funnel_steps, step_events. -#}
{% macro funnel_attempts_step(step) -%}
    {%- if step is not number or step < 2 -%}
        {{ exceptions.raise_compiler_error(
            "funnel_attempts_step needs step: the step number to add, 2 or more"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('funnel_attempts_step', 'signalhouse')(step)) }}
{%- endmacro %}

{#- DuckDB (the benchmark's hot path; SQL unchanged): the candidates join the previous step's
    attempts, which the attempts then left-join (DuckDB materializes a CTE read twice). -#}
{% macro default__funnel_attempts_step(step) -%}
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
    where {{ funnel_step_event_qualifies(step) }}
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
)
{%- endmacro %}

{#- Spark inlines CTEs: read twice per step, the previous step's plan would double at every
    step (2^7 copies at 8 steps). Here each step reads the previous one once: the attempts
    left-join their qualifying step events and keep the earliest (or the attempt alone). -#}
{% macro spark__funnel_attempts_step(step) -%}
candidates_ranked_step_{{ step }} as (
    select
        attempts.tenant_id,
        attempts.funnel_id,
        attempts.person_id,
        attempts.attempt_id,
        attempts.entered_at,
        attempts.entry_platform,
        attempts.entry_session_id,
        attempts.last_occurrence_id,
        attempts.last_at,
        attempts.last_seq,
        attempts.steps_reached,
        attempts.step_completed_at,
        attempts.step_occurrence_ids,
        step_events.occurrence_id as candidate_occurrence_id,
        step_events.event_at as candidate_at,
        step_events.stream_seq as candidate_seq,
        row_number() over (
            partition by attempts.tenant_id, attempts.funnel_id, attempts.attempt_id
            order by step_events.event_at asc, step_events.occurrence_id asc
        ) as candidate_rank
    from attempts_step_{{ step - 1 }} as attempts
    left join funnels
        on attempts.funnel_id = funnels.funnel_id
    left join funnel_steps
        on
            attempts.funnel_id = funnel_steps.funnel_id
            and funnel_steps.step_index = {{ step }}
    left join step_events
        on
            attempts.tenant_id = step_events.tenant_id
            and attempts.funnel_id = step_events.funnel_id
            and attempts.person_id = step_events.person_id
            and step_events.step_index = {{ step }}
            and attempts.last_at <= step_events.event_at
            and funnels.funnel_id is not null
            and funnel_steps.funnel_id is not null
            and {{ funnel_step_event_qualifies(step) }}
),

attempts_step_{{ step }} as (
    select
        tenant_id,
        funnel_id,
        person_id,
        attempt_id,
        entered_at,
        entry_platform,
        entry_session_id,
        coalesce(candidate_occurrence_id, last_occurrence_id) as last_occurrence_id,
        coalesce(candidate_at, last_at) as last_at,
        coalesce(candidate_seq, last_seq) as last_seq,
        steps_reached
        + cast(candidate_occurrence_id is not null as integer) as steps_reached,
        case
            when candidate_occurrence_id is null then step_completed_at
            else {{ list_append('step_completed_at', 'candidate_at') }}
        end as step_completed_at,
        case
            when candidate_occurrence_id is null then step_occurrence_ids
            else {{ list_append('step_occurrence_ids', 'candidate_occurrence_id') }}
        end as step_occurrence_ids
    from candidates_ranked_step_{{ step }}
    where candidate_rank = 1
)
{%- endmacro %}

{#- The conditions under which a step event (`step_events`) can be the `step`-th step of an
    attempt (`attempts`, at step - 1): not used yet by it, within the funnel's conversion
    window and the step's gap, next in the stream for strict funnels, in a later period when
    the step asks for one. Both variants of funnel_attempts_step apply it. -#}
{% macro funnel_step_event_qualifies(step) -%}
    attempts.steps_reached = {{ step - 1 }}
    and not {{ list_contains('attempts.step_occurrence_ids', 'step_events.occurrence_id') }}
    and (
        funnels.conversion_window_seconds is null
        or step_events.event_at <= attempts.entered_at
        + {{ interval_seconds('funnels.conversion_window_seconds') }}
    )
    and (
        funnel_steps.max_seconds_from_previous is null
        or step_events.event_at <= attempts.last_at
        + {{ interval_seconds('funnel_steps.max_seconds_from_previous') }}
    )
    and (
        funnels.order_mode != 'strict'
        or step_events.stream_seq = attempts.last_seq + 1
        -- a session start shares its place with the session's first event
        or step_events.stream_seq = attempts.last_seq
    )
    and (
        funnel_steps.later_utc_period is null
        or {{ product_period_start('funnel_steps.later_utc_period', 'step_events.event_at') }}
        > {{ product_period_start('funnel_steps.later_utc_period', 'attempts.last_at') }}
    )
{%- endmacro %}
