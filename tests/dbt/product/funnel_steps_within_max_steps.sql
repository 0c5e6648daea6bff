-- Invariant: no funnel has more steps than var product_funnel_max_steps, the number of
-- step joins int_funnel_attempts_ordered unrolls (steps beyond it would never be completed).
-- A row here names the funnel: raise the var in dbt_project.yml or shorten the funnel.
with

funnel_steps as (
    select * from {{ ref('funnel_steps') }}
),

steps_counted as (
    select
        funnel_id,
        max(step_index) as step_count
    from funnel_steps
    group by funnel_id
)

select * from steps_counted
where step_count > {{ var('product_funnel_max_steps') }}
