-- Incremental, event by event: a run matches again the events fct_events wrote since its
-- own last run (macro written_after_last_run; fct_events also dates the events of a person
-- whose analytics filter changed; its pre-hook first deletes their rows, so an event no
-- longer kept or no longer a conversion leaves), or every event when seed conversion_events
-- changed.
{{
    config(
        materialized=incremental_materialization(),
        incremental_strategy='delete+insert',
        unique_key=['tenant_id', 'conversion_id'],
        on_schema_change='fail',
        pre_hook=[
            "{{ written_columns_required(['_matched_at', '_conversion_events']) }}",
            "{{ analytics_events_changed_deleted(
                ref('fct_events'), '_matched_at',
                config_rows_changed(
                    ref('conversion_events'), conversion_event_rule_columns(),
                    '_conversion_events'
                ),
                event_id_column='conversion_id'
            ) }}",
        ],
    )
}}

-- What the pre-hook reads to find the events to delete: depends_on: {{ ref('fct_events') }}.

with

events as (
    select analytics_events.*
    from {{ ref('fct_analytics_events') }} as analytics_events
    {%- if is_incremental() %}
        where {{ written_after_last_run(
            'analytics_events._written_at', '_matched_at',
            config_rows_changed(
                ref('conversion_events'), conversion_event_rule_columns(), '_conversion_events'
            )
        ) }}
    {%- endif %}
),

conversion_events as (
    select * from {{ ref('conversion_events') }}
),

conversions_matched as (
    select
        events.tenant_id,
        events.event_id as conversion_id,
        conversion_events.conversion_name,
        events.person_id,
        events.event_at as converted_at,
        events.platform,
        events.session_id,
        try_cast({{ json_extract_text(
            'events.payload',
            "'$.properties.' || conversion_events.revenue_property"
        ) }} as double) as revenue,
        upper(trim({{ json_extract_text(
            'events.payload',
            "'$.properties.' || conversion_events.currency_property"
        ) }})) as currency
    from events
    inner join conversion_events
        on
            events.event_type = 'track'
            and events.event_name = conversion_events.event_name
),

final as (
    select
        tenant_id,
        conversion_id,
        conversion_name,
        person_id,
        converted_at,
        platform,
        session_id,
        revenue,
        currency,
        {{ config_rows_hash(ref('conversion_events'), conversion_event_rule_columns()) }}
            as _conversion_events,
        {{ dbt.current_timestamp() }} as _matched_at
    from conversions_matched
)

select * from final
