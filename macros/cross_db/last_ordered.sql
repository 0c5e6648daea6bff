{#-
    Aggregate: `value` (null kept) of the last row of the group in `order_by` (a list of SQL
    expressions, each ascending, nulls last as on DuckDB) among the rows where `filter` (an
    SQL condition, optional) holds; null when no row does. Ties are not broken: end
    `order_by` with a unique column.
-#}
{% macro last_ordered(value, order_by, filter=none) %}
    {%- if not value or order_by is string or order_by is not sequence or not order_by -%}
        {{ exceptions.raise_compiler_error(
            "last_ordered needs value (an SQL expression) and order_by: a non-empty list of "
            ~ "SQL expressions such as ['event_at', 'event_id']"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('last_ordered', 'signalhouse')(value, order_by, filter)) }}
{% endmacro %}

{% macro default__last_ordered(value, order_by, filter) -%}
    last({{ value }} order by {{ order_by | join(', ') }})
    {%- if filter %} filter (where {{ filter }}){% endif %}
{%- endmacro %}

{#- Spark: max_by over the struct of first_ordered (a null key is the largest). -#}
{% macro spark__last_ordered(value, order_by, filter) -%}
    max_by({{ value }}, {{ ordered_struct_key(order_by) }})
    {%- if filter %} filter (where {{ filter }}){% endif %}
{%- endmacro %}
