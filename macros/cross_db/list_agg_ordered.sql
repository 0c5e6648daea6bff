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

{#-
    DuckDB: `list(value order by ...)` keeps a sort buffer for every group: out of memory under
    256 MB at 2M rows in 10K groups, and at 10M events under 1 GiB (issue #12). A plain list
    of structs (the ordering keys, then the value), sorted once the group is complete, gives the
    same list in far less memory: a struct sorts by its fields in order, a null field last, as
    ORDER BY does.
-#}
{% macro default__list_agg_ordered(value, order_by) -%}
    {{ list_agg_sorted_structs(value, order_by) }}
{%- endmacro %}

{#- DuckDB: the list of `value` sorted by `order_by` (see above); `distinct` / `filter` as in
    list_agg_ordered_where. -#}
{% macro list_agg_sorted_structs(value, order_by, filter=none, distinct=false) -%}
    list_transform(
        list_sort(
            list({{ 'distinct ' if distinct }}struct_pack(
                {%- for expression in order_by %}
                key_{{ loop.index }} := {{ expression }},
                {%- endfor %}
                value := {{ value }}
            ))
            {%- if filter %} filter (where {{ filter }}){% endif %}
        ),
        sorted_item -> sorted_item.value
    )
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
