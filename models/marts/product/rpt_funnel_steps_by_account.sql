-- Funnels counted in accounts (B2B and API funnels): an account completes a step when at
-- least one of its persons completed it in their best attempt (fct_funnel_progress). A
-- person's account is the group of their latest kept group call.
with

progress as (
    select * from {{ ref('fct_funnel_progress') }}
),

funnels as (
    select * from {{ ref('funnels') }}
),

funnel_steps as (
    select * from {{ ref('funnel_steps') }}
),

groups as (
    select * from {{ ref('stg_segment__groups') }}
),

analytics_events as (
    select * from {{ ref('fct_analytics_events') }}
),

group_calls_ranked as (
    select
        analytics_events.tenant_id,
        analytics_events.person_id,
        groups.group_id as account_id,
        row_number() over (
            partition by analytics_events.tenant_id, analytics_events.person_id
            order by analytics_events.event_at desc, analytics_events.event_id desc
        ) as group_call_rank
    from groups
    inner join analytics_events
        on
            groups.tenant_id = analytics_events.tenant_id
            and groups.event_id = analytics_events.event_id
    where groups.group_id is not null
),

person_accounts as (
    select
        tenant_id,
        person_id,
        account_id
    from group_calls_ranked
    where group_call_rank = 1
),

person_steps as (
    select
        progress.tenant_id,
        progress.funnel_id,
        person_accounts.account_id,
        funnel_steps.step_index,
        funnel_steps.step_name,
        progress.person_id,
        {{ list_item(
            'progress.step_completed_at', 'funnel_steps.step_index'
        ) }} as completed_at,
        {{ epoch_seconds(list_item(
            'progress.step_completed_at', 'funnel_steps.step_index'
        )) }} - {{ epoch_seconds(list_item(
            'progress.step_completed_at', 'funnel_steps.step_index - 1'
        )) }} as seconds_from_previous
    from progress
    inner join funnels
        on progress.funnel_id = funnels.funnel_id
    inner join person_accounts
        on
            progress.tenant_id = person_accounts.tenant_id
            and progress.person_id = person_accounts.person_id
    inner join funnel_steps
        on progress.funnel_id = funnel_steps.funnel_id
    where {{ list_contains(
        string_split('funnels.counting_units', "'|'"), "'account'"
    ) }}
),

account_steps as (
    -- One row per account and step; completed when any person completed it, timed by the
    -- person who completed it first (ties: the smaller person_id).
    select
        tenant_id,
        funnel_id,
        account_id,
        step_index,
        step_name,
        bool_or(completed_at is not null) as is_completed,
        {{ arg_min_not_null(
            'seconds_from_previous', sort_key(['completed_at', 'person_id'])
        ) }} filter (where completed_at is not null) as seconds_from_previous
    from person_steps
    group by tenant_id, funnel_id, account_id, step_index, step_name
),

steps_counted as (
    {{ funnel_steps_counted(
        'account_steps', 'accounts', ['tenant_id', 'funnel_id']
    ) }}
),

conversion_computed as (
    {{ funnel_conversion_rates(
        'steps_counted', 'accounts', ['tenant_id', 'funnel_id']
    ) }}
),

final as (
    select
        tenant_id,
        funnel_id,
        step_index,
        step_name,
        accounts_entered,
        accounts_completed,
        conversion_from_start,
        conversion_from_previous,
        median_seconds_to_convert,
        p90_seconds_to_convert
    from conversion_computed
)

select * from final
