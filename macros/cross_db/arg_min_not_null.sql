{#-
    The non-null `value` at the smallest `order_by` of the group (DuckDB's arg_min, which
    skips rows whose value is null); null when every value is null.
-#}
{% macro arg_min_not_null(value, order_by) %}
    {%- if not value or not order_by -%}
        {{ exceptions.raise_compiler_error(
            "arg_min_not_null needs value and order_by: two SQL expressions"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('arg_min_not_null', 'signalhouse')(value, order_by)) }}
{% endmacro %}

{% macro default__arg_min_not_null(value, order_by) -%}
    arg_min({{ value }}, {{ order_by }})
{%- endmacro %}

{#- Spark's min_by keeps a null value but skips rows whose ordering is null. -#}
{% macro spark__arg_min_not_null(value, order_by) -%}
    min_by({{ value }}, case when {{ value }} is not null then {{ order_by }} end)
{%- endmacro %}
