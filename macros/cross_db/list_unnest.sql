{#- One output row per item of `list` (in a select list); a null or empty list gives none. -#}
{% macro list_unnest(list) %}
    {%- if not list -%}
        {{ exceptions.raise_compiler_error(
            "list_unnest needs list: the SQL expression of the list to unnest"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('list_unnest', 'signalhouse')(list)) }}
{% endmacro %}

{% macro default__list_unnest(list) -%}
    unnest({{ list }})
{%- endmacro %}

{% macro spark__list_unnest(list) -%}
    explode({{ list }})
{%- endmacro %}
