{#- Pre-hook of fct_events, after event_attributions_updated (incremental runs; nothing on a
    first build): dates `_written_at` the events of each person whose analytics filter
    (dim_persons is_bot, analytics_opted_out_at: whether fct_analytics_events keeps their
    events) changed since the model's last run. The marts derived event by event then find
    every event they must derive again, kept or dropped, from `_written_at` alone: one
    comparison DuckDB filters their scan on (a join with the changed persons read every
    event's payload). The last run excludes this run's own updates. -#}
{% macro analytics_filter_changes_dated(persons) -%}
    {%- if not persons -%}
        {{ exceptions.raise_compiler_error(
            "analytics_filter_changes_dated needs persons (ref('dim_persons'))"
        ) }}
    {%- endif -%}
    {%- if is_incremental() -%}
    {{- written_columns_required(['_written_at']) }}
    update {{ this }} as written
    set _written_at = {{ dbt.current_timestamp() }}
    from (
        select
            tenant_id,
            person_id
        from {{ persons }}
        where
            _analytics_filter_changed_at
            > {{ last_run_at('_written_at', excluding_this_run=true) }}
    ) as persons_changed
    where
        written.tenant_id = persons_changed.tenant_id
        and written.person_id = persons_changed.person_id
    {%- endif -%}
{%- endmacro %}
