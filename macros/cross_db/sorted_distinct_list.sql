{#- Aggregate: the distinct non-null values of `column`, sorted ascending, as a list. -#}
{% macro sorted_distinct_list(column) %}
    {%- if not column -%}
        {{ exceptions.raise_compiler_error(
            "sorted_distinct_list needs column: the SQL expression to collect"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('sorted_distinct_list', 'signalhouse')(column)) }}
{% endmacro %}

{% macro default__sorted_distinct_list(column) -%}
    list_sort(list_distinct(list({{ column }})))
{%- endmacro %}

{% macro spark__sorted_distinct_list(column) -%}
    array_sort(collect_set({{ column }}))
{%- endmacro %}
