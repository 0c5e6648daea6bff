-- Invariant: each funnel's steps are numbered 1, 2, ... without gaps, and each exclusion
-- spans existing steps (from_step < to_step). A row here names the funnel and the
-- problem: renumber its rows in seeds/product/funnel_steps.csv or funnel_exclusions.csv.
with

funnel_steps as (
    select * from {{ ref('funnel_steps') }}
),

funnel_exclusions as (
    select * from {{ ref('funnel_exclusions') }}
),

steps_counted as (
    select
        funnel_id,
        count(*) as step_count,
        min(step_index) as first_step,
        max(step_index) as last_step
    from funnel_steps
    group by funnel_id
),

problems as (
    select
        funnel_id,
        'steps must be numbered 1..n without gaps' as problem
    from steps_counted
    where first_step != 1 or last_step != step_count
    union all
    select
        funnel_exclusions.funnel_id,
        'exclusion ' || funnel_exclusions.exclusion_name
        || ' must have 1 <= from_step < to_step <= the last step' as problem
    from funnel_exclusions
    left join steps_counted
        on funnel_exclusions.funnel_id = steps_counted.funnel_id
    where
        steps_counted.funnel_id is null
        or not (
            1 <= funnel_exclusions.from_step
            and funnel_exclusions.from_step < funnel_exclusions.to_step
            and funnel_exclusions.to_step <= steps_counted.last_step
        )
)

select * from problems
