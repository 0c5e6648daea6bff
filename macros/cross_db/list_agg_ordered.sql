{#-
    Aggregate: the list of `value` (nulls kept) over the group's rows in the order of
    `order_by`, a list of SQL expressions sorted ascending (non-null: break ties there).
-#}
{% macro list_agg_ordered(value, order_by) %}
    {%- if not value or order_by is string or not order_by -%}
        {{ exceptions.raise_compiler_error(
            "list_agg_ordered needs value (an SQL expression) and order_by: a list of SQL "
            ~ "expressions, e.g. ['first_at', 'step_index']"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('list_agg_ordered', 'signalhouse')(value, order_by)) }}
{% endmacro %}

{% macro default__list_agg_ordered(value, order_by) -%}
    list({{ value }} order by {{ order_by | join(' asc, ') }} asc)
{%- endmacro %}

{#- Spark: sort structs of the ordering keys then the value, and keep the values. -#}
{% macro spark__list_agg_ordered(value, order_by) -%}
    transform(
        array_sort(collect_list(named_struct(
            {%- for expression in order_by %}
            'key_{{ loop.index }}', {{ expression }},
            {%- endfor %}
            'value', {{ value }}
        ))),
        sorted_item -> sorted_item.value
    )
{%- endmacro %}
