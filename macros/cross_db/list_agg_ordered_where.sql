{#-
    Aggregate: the list of `value` (nulls kept) over the group's rows where `filter` (an SQL
    condition) holds, in the order of `order_by` (a list of SQL expressions sorted ascending,
    non-null: break ties there); null when no row qualifies. distinct=true: the distinct
    values sorted ascending (`order_by` must be [value] and `filter` must exclude nulls).
-#}
{% macro list_agg_ordered_where(value, order_by, filter, distinct=false) %}
    {%- if not value or order_by is string or not order_by or not filter -%}
        {{ exceptions.raise_compiler_error(
            "list_agg_ordered_where needs value (an SQL expression), order_by (a list of SQL "
            ~ "expressions, e.g. ['event_at', 'event_id']) and filter (an SQL condition)"
        ) }}
    {%- endif -%}
    {%- if distinct and order_by | list != [value] -%}
        {{ exceptions.raise_compiler_error(
            "list_agg_ordered_where with distinct=true sorts the values themselves: pass "
            ~ "order_by=['" ~ value ~ "']"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('list_agg_ordered_where', 'signalhouse')(
        value, order_by, filter, distinct
    )) }}
{% endmacro %}

{#- DuckDB: a list of structs sorted afterwards, not `list(... order by)` (memory; see
    list_agg_ordered). -#}
{% macro default__list_agg_ordered_where(value, order_by, filter, distinct) -%}
    {{ list_agg_sorted_structs(value, order_by, filter, distinct) }}
{%- endmacro %}

{#-
    Spark: collect_list skips nulls and gives [] over no rows, so the values are collected in
    structs (kept when null) after their sort keys, and the list is null when no row qualifies.
-#}
{% macro spark__list_agg_ordered_where(value, order_by, filter, distinct) -%}
    case
        when count(1) filter (where {{ filter }}) > 0
            then
            {%- if distinct %}
                array_sort(collect_set({{ value }}) filter (where {{ filter }}))
            {%- else %}
                transform(
                    array_sort(collect_list(named_struct(
                        {%- for expression in order_by %}
                        'key_{{ loop.index }}', {{ expression }},
                        {%- endfor %}
                        'value', {{ value }}
                    )) filter (where {{ filter }})),
                    sorted_item -> sorted_item.value
                )
            {%- endif %}
    end
{%- endmacro %}
