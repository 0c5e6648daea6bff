{#- `list` with `item` appended at its end. -#}
{% macro list_append(list, item) %}
    {%- if not list or not item -%}
        {{ exceptions.raise_compiler_error(
            "list_append needs list and item: two SQL expressions"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('list_append', 'signalhouse')(list, item)) }}
{% endmacro %}

{% macro default__list_append(list, item) -%}
    list_append({{ list }}, {{ item }})
{%- endmacro %}

{% macro spark__list_append(list, item) -%}
    concat({{ list }}, array({{ item }}))
{%- endmacro %}
