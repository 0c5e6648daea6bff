{#-
    Aggregate: the distinct non-null values of `column`, sorted ascending, joined by
    `separator`; null when every value is null.
-#}
{% macro string_agg_sorted_distinct(column, separator) %}
    {%- if not column or not separator -%}
        {{ exceptions.raise_compiler_error(
            "string_agg_sorted_distinct needs column and separator: an SQL string expression "
            ~ "and a quoted SQL string literal such as \"', '\""
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('string_agg_sorted_distinct', 'signalhouse')(column, separator)) }}
{% endmacro %}

{% macro default__string_agg_sorted_distinct(column, separator) -%}
    string_agg(distinct {{ column }}, {{ separator }} order by {{ column }})
{%- endmacro %}

{% macro spark__string_agg_sorted_distinct(column, separator) -%}
    case
        when size(collect_set({{ column }})) > 0
            then array_join(array_sort(collect_set({{ column }})), {{ separator }})
    end
{%- endmacro %}
