{#-
    Aggregate: a map from each distinct non-null `value` to the number of the group's rows
    holding it, among the rows where `filter` (an SQL condition, optional) holds; null when
    no such row has a value (DuckDB's histogram).
-#}
{% macro histogram_map(value, filter=none) %}
    {%- if not value -%}
        {{ exceptions.raise_compiler_error(
            "histogram_map needs value: the SQL expression whose values are counted"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('histogram_map', 'signalhouse')(value, filter)) }}
{% endmacro %}

{% macro default__histogram_map(value, filter) -%}
    histogram({{ value }})
    {%- if filter %} filter (where {{ filter }}){% endif %}
{%- endmacro %}

{#- Spark has no histogram: count each distinct value in the collected list (bigint counts). -#}
{% macro spark__histogram_map(value, filter) -%}
    {%- set where = ' filter (where ' ~ filter ~ ')' if filter else '' -%}
    case
        when count({{ value }}){{ where }} > 0
            then map_from_entries(transform(
                array_sort(array_distinct(collect_list({{ value }}){{ where }})),
                histogram_key -> struct(
                    histogram_key,
                    cast(size(filter(
                        collect_list({{ value }}){{ where }},
                        histogram_item -> histogram_item = histogram_key
                    )) as bigint)
                )
            ))
    end
{%- endmacro %}
