{#- The config of a typed staging table derived row by row from stg_segment__events (each of
    its rows comes from one staged event): incremental by staged_events_in_scope, delete+insert
    on (tenant_id, event_id), after a pre-hook deletes the rows of the events in scope that
    staging rewrote since (staged_events_in_scope_deleted). Call it
    first in the model, whose rows must carry `_loaded_at`; `post_hook`, the model's own. -#}
{% macro staged_events_derived_config(post_hook=[]) -%}
    {{ config(
        materialized=staged_events_derived_materialization(),
        incremental_strategy='delete+insert',
        unique_key=['tenant_id', 'event_id'],
        on_schema_change='fail',
        pre_hook="{{ staged_events_in_scope_deleted(ref('stg_segment__events')) }}",
        post_hook=post_hook,
    ) }}
{%- endmacro %}

{% macro staged_events_derived_materialization() %}
    {{ return(adapter.dispatch('staged_events_derived_materialization', 'signalhouse')()) }}
{% endmacro %}

{% macro default__staged_events_derived_materialization() %}
    {{ return(incremental_materialization()) }}
{% endmacro %}

{#- Spark: views, as the other staging models there (no JSON unpacking is saved). -#}
{% macro spark__staged_events_derived_materialization() %}
    {{ return('view') }}
{% endmacro %}
