{#-
    Aggregate: `value` (null kept) of the first row of the group in `order_by` (a list of SQL
    expressions, each ascending, nulls last as on DuckDB) among the rows where `filter` (an
    SQL condition, optional) holds; null when no row does. Ties are not broken: end
    `order_by` with a unique column.
-#}
{% macro first_ordered(value, order_by, filter=none) %}
    {%- if not value or order_by is string or order_by is not sequence or not order_by -%}
        {{ exceptions.raise_compiler_error(
            "first_ordered needs value (an SQL expression) and order_by: a non-empty list of "
            ~ "SQL expressions such as ['event_at', 'event_id']"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('first_ordered', 'signalhouse')(value, order_by, filter)) }}
{% endmacro %}

{% macro default__first_ordered(value, order_by, filter) -%}
    first({{ value }} order by {{ order_by | join(', ') }})
    {%- if filter %} filter (where {{ filter }}){% endif %}
{%- endmacro %}

{#-
    Spark: min_by over a struct of the keys, each preceded by `key is null` so that nulls sort
    last (a struct puts a null field first). min_by keeps a null value.
-#}
{% macro spark__first_ordered(value, order_by, filter) -%}
    min_by({{ value }}, {{ ordered_struct_key(order_by) }})
    {%- if filter %} filter (where {{ filter }}){% endif %}
{%- endmacro %}

{#- Spark: one orderable struct of `order_by`, where a null key sorts after every value. -#}
{% macro ordered_struct_key(order_by) -%}
    named_struct(
    {%- for key in order_by %}
        'k{{ loop.index }}_is_null', ({{ key }}) is null, 'k{{ loop.index }}', {{ key }}
        {{- ',' if not loop.last }}
    {%- endfor %}
    )
{%- endmacro %}
