{#-
    The distinct non-null items of list `left` that are also in list `right` (order
    unspecified: count them, do not read them by position). Null when `left` is null, an
    empty list when only `right` is (DuckDB's list_intersect).
-#}
{% macro list_intersect(left, right) %}
    {%- if not left or not right -%}
        {{ exceptions.raise_compiler_error(
            "list_intersect needs left and right: two SQL expressions of lists"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('list_intersect', 'signalhouse')(left, right)) }}
{% endmacro %}

{% macro default__list_intersect(left, right) -%}
    list_intersect({{ left }}, {{ right }})
{%- endmacro %}

{#- Spark's array_intersect is null when either list is and keeps a null both hold. -#}
{% macro spark__list_intersect(left, right) -%}
    case
        when {{ right }} is null then filter({{ left }}, item -> false)
        else filter(array_intersect({{ left }}, {{ right }}), item -> item is not null)
    end
{%- endmacro %}
