{#- The events (tenant_id, event_id) an incremental model derived event by event from
    fct_analytics_events must derive again: every event fct_events wrote after the model's
    last run (the newest `written_at` of `this`, the lowest timestamp when it is empty: new,
    re-staged, moved to another person or session), and every event of a person whose
    analytics filter (dim_persons is_bot, analytics_opted_out_at: whether
    fct_analytics_events keeps their events) changed since; every event when `redo_all` (an
    SQL condition) holds. A select; on a first build, every event. -#}
{% macro analytics_events_changed(events, persons, written_at, redo_all='false') -%}
    {%- if not events or not persons or not written_at -%}
        {{ exceptions.raise_compiler_error(
            "analytics_events_changed needs events (ref('fct_events')), persons "
            ~ "(ref('dim_persons')) and written_at (the model's own write-time column)"
        ) }}
    {%- endif -%}
    {%- set last_run = last_run_at(written_at) -%}
    select
        events.tenant_id,
        events.event_id
    from {{ events }} as events
    {%- if is_incremental() %}
    left join (
        select
            tenant_id,
            person_id
        from {{ persons }}
        where _analytics_filter_changed_at > {{ last_run }}
    ) as persons_changed
        on
            events.tenant_id = persons_changed.tenant_id
            and events.person_id = persons_changed.person_id
    where
        events._written_at > {{ last_run }}
        or persons_changed.person_id is not null
        or ({{ redo_all }})
    {%- endif %}
{%- endmacro %}

{#- Pre-hook of such a model (delete+insert on tenant_id, event_id): deletes its rows of the
    events analytics_events_changed returns, so that an event fct_analytics_events no longer
    keeps (a bot now, after an opt-out, out of its session) leaves the model; the model then
    inserts those it still keeps. Nothing on a first build. -#}
{% macro analytics_events_changed_deleted(events, persons, written_at, redo_all='false') -%}
    {%- if is_incremental() -%}
    {{- written_columns_required([written_at]) }}
    delete from {{ this }} as written
    using ({{ analytics_events_changed(events, persons, written_at, redo_all) }}) as changed
    where
        written.tenant_id = changed.tenant_id
        and written.event_id = changed.event_id
    {%- endif -%}
{%- endmacro %}
