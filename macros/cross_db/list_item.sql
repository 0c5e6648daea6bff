{#- The item of `list` at the 1-based `index` (0 or more); null beyond the list or at 0. -#}
{% macro list_item(list, index) %}
    {%- if not list or index is none or index == '' -%}
        {{ exceptions.raise_compiler_error(
            "list_item needs list and index: an SQL list expression and a 1-based SQL "
            ~ "integer expression"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('list_item', 'signalhouse')(list, index)) }}
{% endmacro %}

{% macro default__list_item(list, index) -%}
    {{ list }}[{{ index }}]
{%- endmacro %}

{#- Spark's get() is 0-based and null out of range (element_at fails at index 0). -#}
{% macro spark__list_item(list, index) -%}
    get({{ list }}, {{ index }} - 1)
{%- endmacro %}
