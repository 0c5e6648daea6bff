{%- set ignored = var('product_path_ignored_events') %}
with

events as (
    select * from {{ ref('int_product_events_localized') }}
),

path_definitions as (
    select * from {{ ref('path_definitions') }}
),

progress as (
    select * from {{ ref('fct_funnel_progress') }}
),

funnel_steps as (
    select * from {{ ref('funnel_steps') }}
),

events_labelled as (
    select
        tenant_id,
        person_id,
        session_id,
        event_id,
        event_at,
        case
            when event_type in ('page', 'screen') then 'view: ' || view_name
            else event_name
        end as event_label
    from events
    where
        event_type in ('page', 'screen', 'track')
        {{ "and coalesce(event_name, '') not in ('" ~ (ignored | join("', '")) ~ "')"
            if ignored }}
),

labels_lagged as (
    select
        *,
        lag(event_label) over (
            partition by tenant_id, session_id
            order by event_at asc, event_id asc
        ) as previous_label
    from events_labelled
),

steps_numbered as (
    -- Consecutive repeats of one label count as one step.
    select
        tenant_id,
        person_id,
        session_id,
        event_at,
        event_label,
        row_number() over (
            partition by tenant_id, session_id
            order by event_at asc, event_id asc
        ) as step_number
    from labels_lagged
    where previous_label is null or previous_label != event_label
),

starts_found as (
    select
        steps_numbered.tenant_id,
        steps_numbered.person_id,
        steps_numbered.session_id,
        path_definitions.path_id,
        path_definitions.end_label,
        path_definitions.max_steps,
        min(steps_numbered.step_number) as start_step_number
    from steps_numbered
    inner join path_definitions
        on steps_numbered.event_label = path_definitions.start_label
    group by
        steps_numbered.tenant_id,
        steps_numbered.person_id,
        steps_numbered.session_id,
        path_definitions.path_id,
        path_definitions.end_label,
        path_definitions.max_steps
),

ends_found as (
    select
        starts_found.tenant_id,
        starts_found.session_id,
        starts_found.path_id,
        min(steps_numbered.step_number) as end_step_number
    from starts_found
    inner join steps_numbered
        on
            starts_found.tenant_id = steps_numbered.tenant_id
            and starts_found.session_id = steps_numbered.session_id
            and starts_found.start_step_number < steps_numbered.step_number
            and starts_found.end_label = steps_numbered.event_label
    group by
        starts_found.tenant_id,
        starts_found.session_id,
        starts_found.path_id
),

start_paths as (
    select
        starts_found.tenant_id,
        'start_event' as path_type,
        starts_found.path_id,
        starts_found.person_id,
        {{ string_agg_ordered(
            'steps_numbered.event_label', "' > '", ['steps_numbered.step_number']
        ) }} as path_text,
        count(*) as path_steps,
        coalesce(bool_or(
            steps_numbered.step_number = ends_found.end_step_number
        ), false) as reaches_end
    from starts_found
    inner join steps_numbered
        on
            starts_found.tenant_id = steps_numbered.tenant_id
            and starts_found.session_id = steps_numbered.session_id
            and steps_numbered.step_number
            between starts_found.start_step_number
            and starts_found.start_step_number + starts_found.max_steps - 1
    left join ends_found
        on
            starts_found.tenant_id = ends_found.tenant_id
            and starts_found.session_id = ends_found.session_id
            and starts_found.path_id = ends_found.path_id
    where
        ends_found.end_step_number is null
        or steps_numbered.step_number <= ends_found.end_step_number
    group by
        starts_found.tenant_id,
        starts_found.path_id,
        starts_found.person_id,
        starts_found.session_id
),

dropoffs as (
    -- Persons who completed step k of a funnel but not step k + 1.
    select
        progress.tenant_id,
        progress.funnel_id,
        progress.person_id,
        progress.furthest_step_index,
        progress.furthest_step_at
    from progress
    inner join funnel_steps
        on
            progress.funnel_id = funnel_steps.funnel_id
            and funnel_steps.step_index = progress.furthest_step_index + 1
),

detours_ranked as (
    select
        dropoffs.tenant_id,
        dropoffs.funnel_id,
        dropoffs.person_id,
        dropoffs.furthest_step_index,
        steps_numbered.event_label,
        steps_numbered.event_at,
        steps_numbered.step_number,
        row_number() over (
            partition by dropoffs.tenant_id, dropoffs.funnel_id, dropoffs.person_id
            order by steps_numbered.event_at asc, steps_numbered.step_number asc
        ) as detour_rank
    from dropoffs
    inner join steps_numbered
        on
            dropoffs.tenant_id = steps_numbered.tenant_id
            and dropoffs.person_id = steps_numbered.person_id
            and dropoffs.furthest_step_at < steps_numbered.event_at
),

detours_found as (
    select
        tenant_id,
        funnel_id,
        person_id,
        furthest_step_index,
        event_label,
        event_at,
        step_number
    from detours_ranked
    where detour_rank <= {{ var('product_path_dropoff_steps') }}
),

dropoff_paths as (
    select
        tenant_id,
        'funnel_dropoff' as path_type,
        funnel_id || ': after step ' || furthest_step_index as path_id,
        person_id,
        {{ string_agg_ordered(
            'event_label', "' > '", ['event_at', 'step_number']
        ) }} as path_text,
        count(*) as path_steps,
        false as reaches_end
    from detours_found
    group by tenant_id, funnel_id, furthest_step_index, person_id
),

paths_unioned as (
    select * from start_paths
    union all
    select * from dropoff_paths
),

paths_counted as (
    select
        tenant_id,
        path_type,
        path_id,
        path_text,
        any_value(path_steps) as path_steps,
        bool_or(reaches_end) as reaches_end,
        count(*) as occurrences,
        count(distinct person_id) as persons
    from paths_unioned
    group by tenant_id, path_type, path_id, path_text
),

paths_ranked as (
    select
        *,
        row_number() over (
            partition by tenant_id, path_type, path_id
            order by occurrences desc, persons desc, path_text asc
        ) as path_rank
    from paths_counted
),

final as (
    select
        tenant_id,
        path_type,
        path_id,
        path_rank,
        path_text,
        path_steps,
        reaches_end,
        occurrences,
        persons
    from paths_ranked
)

select * from final
