with

attempts as (
    select * from {{ ref('fct_funnel_attempts') }}
),

funnel_steps as (
    select * from {{ ref('funnel_steps') }}
),

step_counts as (
    select
        funnel_id,
        max(step_index) as step_count
    from funnel_steps
    group by funnel_id
),

attempts_ranked as (
    select
        *,
        row_number() over (
            partition by tenant_id, funnel_id, person_id
            order by steps_reached desc, entered_at asc, attempt_id asc
        ) as attempt_rank
    from attempts
    where not is_excluded
),

progress_named as (
    select
        attempts_ranked.tenant_id,
        attempts_ranked.funnel_id,
        attempts_ranked.person_id,
        attempts_ranked.attempt_id,
        attempts_ranked.entered_at,
        attempts_ranked.entry_platform,
        attempts_ranked.entry_session_id,
        attempts_ranked.steps_reached as furthest_step_index,
        funnel_steps.step_name as furthest_step_name,
        attempts_ranked.step_completed_at,
        {{ list_item(
            'attempts_ranked.step_completed_at', 'attempts_ranked.steps_reached'
        ) }} as furthest_step_at,
        attempts_ranked.steps_reached = step_counts.step_count as is_converted
    from attempts_ranked
    inner join funnel_steps
        on
            attempts_ranked.funnel_id = funnel_steps.funnel_id
            and attempts_ranked.steps_reached = funnel_steps.step_index
    inner join step_counts
        on attempts_ranked.funnel_id = step_counts.funnel_id
    where attempts_ranked.attempt_rank = 1
),

final as (
    select
        tenant_id,
        funnel_id,
        person_id,
        attempt_id,
        entered_at,
        entry_platform,
        entry_session_id,
        furthest_step_index,
        furthest_step_name,
        furthest_step_at,
        is_converted,
        step_completed_at
    from progress_named
)

select * from final
