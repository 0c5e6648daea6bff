{#- True when `list` holds `item`; null when the list or the item is null. -#}
{% macro list_contains(list, item) %}
    {%- if not list or not item -%}
        {{ exceptions.raise_compiler_error(
            "list_contains needs list and item: two SQL expressions"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('list_contains', 'signalhouse')(list, item)) }}
{% endmacro %}

{% macro default__list_contains(list, item) -%}
    list_contains({{ list }}, {{ item }})
{%- endmacro %}

{% macro spark__list_contains(list, item) -%}
    array_contains({{ list }}, {{ item }})
{%- endmacro %}
