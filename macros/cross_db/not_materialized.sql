{#-
    Put between a CTE's `as` and its body (`step_events as {{ not_materialized() }} (`) for a
    CTE that only reads a table (or a cheap view: each reference runs it again) and is
    referenced many times. DuckDB materializes a CTE read more than once and keeps it in
    memory until the query ends: the funnel engine's step events (every step event, read
    once per funnel step) ran out of memory under 256 MB at 1M events (issue #12). Inlined,
    each reference scans the table with its own filters and columns (the funnel models'
    events: only property-filtered rules read the payload). Spark inlines every CTE already.
-#}
{% macro not_materialized() %}
    {{ return(adapter.dispatch('not_materialized', 'signalhouse')()) }}
{% endmacro %}

{% macro default__not_materialized() -%}
    not materialized
{%- endmacro %}

{% macro spark__not_materialized() -%}
{%- endmacro %}
