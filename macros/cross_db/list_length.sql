{#- The number of items of `list`; null when the list is null. -#}
{% macro list_length(list) %}
    {%- if not list -%}
        {{ exceptions.raise_compiler_error(
            "list_length needs list: the SQL expression of the list to count"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('list_length', 'signalhouse')(list)) }}
{% endmacro %}

{% macro default__list_length(list) -%}
    len({{ list }})
{%- endmacro %}

{#- Spark's size() is -1 for a null list; array_size() is null. -#}
{% macro spark__list_length(list) -%}
    array_size({{ list }})
{%- endmacro %}
