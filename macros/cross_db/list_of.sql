{#- A list of one item, `item`. -#}
{% macro list_of(item) %}
    {%- if not item -%}
        {{ exceptions.raise_compiler_error(
            "list_of needs item: the SQL expression of the list's one item"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('list_of', 'signalhouse')(item)) }}
{% endmacro %}

{% macro default__list_of(item) -%}
    [{{ item }}]
{%- endmacro %}

{% macro spark__list_of(item) -%}
    array({{ item }})
{%- endmacro %}
