{#-
    Aggregate: the sum of the double `value` over the group's rows added in the order of
    `order_by` (a list of SQL expressions, ascending), so that reruns give the same
    floating-point result; null when every value is null.
-#}
{% macro sum_ordered(value, order_by) %}
    {%- if not value or order_by is string or not order_by -%}
        {{ exceptions.raise_compiler_error(
            "sum_ordered needs value (an SQL expression) and order_by: a list of SQL "
            ~ "expressions, e.g. ['conversion_id', 'touch_id']"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('sum_ordered', 'signalhouse')(value, order_by)) }}
{% endmacro %}

{% macro default__sum_ordered(value, order_by) -%}
    sum({{ value }} order by {{ order_by | join(', ') }})
{%- endmacro %}

{#- Spark has no ordered aggregates: sort the values with their keys, then fold them. -#}
{% macro spark__sum_ordered(value, order_by) -%}
    aggregate(
        filter(
            array_sort(collect_list(named_struct(
                {%- for expression in order_by %}
                'key_{{ loop.index }}', {{ expression }},
                {%- endfor %}
                'value', cast({{ value }} as double)
            ))),
            sorted_item -> sorted_item.value is not null
        ),
        cast(null as double),
        (running_sum, sorted_item) -> coalesce(running_sum, 0D) + sorted_item.value
    )
{%- endmacro %}
