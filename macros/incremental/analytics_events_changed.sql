{#- An SQL condition for an incremental model derived event by event from fct_events or
    fct_analytics_events: `written_at_column` (the source's `_written_at`, which fct_events
    also moves when the event's person changed analytics filter) is after the model's last
    run (the newest `written_at` of `this`: new, re-staged, moved to another person or
    session, or its person now a bot or opted out), or any timestamp when `redo_all` (an SQL
    condition) holds. A plain comparison with a scalar, so DuckDB filters the source's scan
    on it: only the changed rows' other columns (the payload) are read. -#}
{% macro written_after_last_run(written_at_column, written_at, redo_all='false') -%}
    {%- if not written_at_column or not written_at -%}
        {{ exceptions.raise_compiler_error(
            "written_after_last_run needs written_at_column (the source's _written_at) and "
            ~ "written_at (the model's own write-time column)"
        ) }}
    {%- endif -%}
    {{ written_at_column }} > (
        select
            case
                when {{ redo_all }} then {{ timestamp_lowest() }}
                else {{ last_run_at(written_at) }}
            end
    )
{%- endmacro %}

{#- The events (tenant_id, event_id) of fct_events (`events`) an incremental model derived
    event by event from fct_analytics_events must derive again: those written after its last
    run (written_after_last_run), every event when `redo_all`. A select; on a first build,
    every event. -#}
{% macro analytics_events_changed(events, written_at, redo_all='false') -%}
    {%- if not events or not written_at -%}
        {{ exceptions.raise_compiler_error(
            "analytics_events_changed needs events (ref('fct_events')) and written_at (the "
            ~ "model's own write-time column)"
        ) }}
    {%- endif -%}
    select
        events.tenant_id,
        events.event_id
    from {{ events }} as events
    {%- if is_incremental() %}
    where {{ written_after_last_run('events._written_at', written_at, redo_all) }}
    {%- endif %}
{%- endmacro %}

{#- Pre-hook of such a model (delete+insert on tenant_id and its event id column,
    `event_id_column`): deletes its rows of the events analytics_events_changed returns, so
    that an event fct_analytics_events no longer keeps (a bot now, after an opt-out, out of
    its session) leaves the model; the model then inserts those it still keeps. Nothing on
    a first build. -#}
{% macro analytics_events_changed_deleted(
    events, written_at, redo_all='false', event_id_column='event_id'
) -%}
    {%- if is_incremental() -%}
    {{- written_columns_required([written_at]) }}
    delete from {{ this }} as written
    using ({{ analytics_events_changed(events, written_at, redo_all) }}) as changed
    where
        written.tenant_id = changed.tenant_id
        and written.{{ event_id_column }} = changed.event_id
    {%- endif -%}
{%- endmacro %}
