-- DuckDB SQL, as analysts query the warehouse: not compiled on Spark (README "### Spark").
{{ config(enabled=target.type != 'spark') }}

-- Where do sign-up funnels lose mobile users?
-- One row per tenant, mobile entry platform (ios, android, mobile) and step of the
-- signup_to_order funnel: persons who reached the step (their furthest step is at or past
-- it), persons lost since the step before, and the share of the step before's persons
-- lost. is_biggest_loss marks the step losing the largest share per tenant and platform
-- (ties: the earlier step). Computed from the attempts (fct_funnel_progress), so it can be
-- checked against rpt_funnel_steps' platform breakdown.
with

progress as (
    select * from {{ ref('fct_funnel_progress') }}
),

funnel_steps as (
    select * from {{ ref('funnel_steps') }}
),

mobile_attempts as (
    select
        tenant_id,
        entry_platform,
        person_id,
        furthest_step_index
    from progress
    where
        funnel_id = 'signup_to_order'
        and entry_platform in ('ios', 'android', 'mobile')
),

steps_reached as (
    select
        mobile_attempts.tenant_id,
        mobile_attempts.entry_platform,
        funnel_steps.step_index,
        funnel_steps.step_name,
        count(distinct mobile_attempts.person_id) filter (
            where mobile_attempts.furthest_step_index >= funnel_steps.step_index
        ) as persons_reached
    from mobile_attempts
    cross join funnel_steps
    where funnel_steps.funnel_id = 'signup_to_order'
    group by all
),

steps_after_previous as (
    select
        *,
        lag(persons_reached) over (
            partition by tenant_id, entry_platform order by step_index
        ) as persons_reached_previous
    from steps_reached
),

losses as (
    select
        tenant_id,
        entry_platform,
        step_index,
        step_name,
        persons_reached,
        persons_reached_previous - persons_reached as persons_lost,
        1 - persons_reached / nullif(persons_reached_previous, 0) as share_lost
    from steps_after_previous
),

final as (
    select
        tenant_id,
        entry_platform,
        step_index,
        step_name,
        persons_reached,
        persons_lost,
        share_lost,
        step_index = first_value(step_index) over (
            partition by tenant_id, entry_platform
            order by share_lost desc nulls last, step_index asc
        ) as is_biggest_loss
    from losses
)

select * from final
order by tenant_id, entry_platform, step_index
