{#- An empty list of strings (e.g. the list of a path without items). -#}
{% macro empty_string_list() %}
    {{ return(adapter.dispatch('empty_string_list', 'signalhouse')()) }}
{% endmacro %}

{% macro default__empty_string_list() -%}
    []::varchar[]
{%- endmacro %}

{% macro spark__empty_string_list() -%}
    cast(array() as array<string>)
{%- endmacro %}
