{#-
    Aggregate: the non-null values of `value` joined by `separator` in the order of
    `order_by`, a list of SQL expressions sorted ascending (non-null: break ties there); null
    when every value is null.
-#}
{% macro string_agg_ordered(value, separator, order_by) %}
    {%- if not value or not separator or order_by is string or not order_by -%}
        {{ exceptions.raise_compiler_error(
            "string_agg_ordered needs value (an SQL string expression), separator (a quoted "
            ~ "SQL literal such as \"' > '\") and order_by: a list of SQL expressions"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('string_agg_ordered', 'signalhouse')(value, separator, order_by)) }}
{% endmacro %}

{% macro default__string_agg_ordered(value, separator, order_by) -%}
    string_agg({{ value }}, {{ separator }} order by {{ order_by | join(' asc, ') }} asc)
{%- endmacro %}

{#- array_join skips null items; an all-null group is null, as in DuckDB. -#}
{% macro spark__string_agg_ordered(value, separator, order_by) -%}
    case
        when count({{ value }}) > 0
            then array_join({{ spark__list_agg_ordered(value, order_by) }}, {{ separator }})
    end
{%- endmacro %}
