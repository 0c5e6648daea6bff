-- The narrow input of the funnel engine: every kept event that matches a configured funnel
-- step. Incremental, event by event: a run matches again the events fct_events wrote since
-- its own last run (macro written_after_last_run; fct_events also dates the events of a
-- person whose analytics filter changed; its pre-hook first deletes their rows, so an event
-- that no longer matches or is no longer kept leaves), or every event when the matching
-- columns of seed funnel_steps changed. A strict funnel's "very next event" is not a
-- property of one event: int_funnel_stream_positions numbers the streams it needs.
{{
    config(
        materialized=incremental_materialization(),
        incremental_strategy='delete+insert',
        unique_key=['tenant_id', 'event_id'],
        on_schema_change='fail',
        pre_hook=[
            "{{ written_columns_required(['_matched_at', '_funnel_steps']) }}",
            "{{ analytics_events_changed_deleted(
                ref('fct_events'), '_matched_at',
                config_rows_changed(
                    ref('funnel_steps'), funnel_step_rule_columns(), '_funnel_steps'
                )
            ) }}",
        ],
    )
}}

-- What the pre-hook reads to find the events to delete: depends_on: {{ ref('fct_events') }}.

with

-- Inlined so each branch of product_events_matched reads only its columns (no payload
-- copy, also when an incremental run takes every event again); an incremental run filters
-- each branch's scan on _written_at.
events as {{ not_materialized() }} (
    select analytics_events.*
    from {{ ref('fct_analytics_events') }} as analytics_events
    {%- if is_incremental() %}
        where {{ written_after_last_run(
            'analytics_events._written_at', '_matched_at',
            config_rows_changed(
                ref('funnel_steps'), funnel_step_rule_columns(), '_funnel_steps'
            )
        ) }}
    {%- endif %}
),

funnel_steps as (
    select * from {{ ref('funnel_steps') }}
),

steps_matched as (
    {{ product_events_matched('events', 'funnel_steps', ['funnel_id', 'step_index']) }}
),

final as (
    select
        tenant_id,
        funnel_id,
        step_index,
        person_id,
        event_id,
        occurrence_id,
        event_at,
        platform,
        session_id,
        {{ config_rows_hash(ref('funnel_steps'), funnel_step_rule_columns()) }}
            as _funnel_steps,
        {{ dbt.current_timestamp() }} as _matched_at
    from steps_matched
)

select * from final
