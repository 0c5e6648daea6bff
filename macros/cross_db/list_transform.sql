{#- Apply `expression` (over `element`, a lambda parameter name) to every item of `list`. -#}
{% macro list_transform(list, element, expression) %}
    {%- if not list or not element or not expression -%}
        {{ exceptions.raise_compiler_error(
            "list_transform needs list, element and expression: e.g. list_transform("
            ~ "'tags', 'tag', 'lower(tag)')"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('list_transform', 'signalhouse')(list, element, expression)) }}
{% endmacro %}

{% macro default__list_transform(list, element, expression) -%}
    list_transform({{ list }}, {{ element }} -> {{ expression }})
{%- endmacro %}

{% macro spark__list_transform(list, element, expression) -%}
    transform({{ list }}, {{ element }} -> {{ expression }})
{%- endmacro %}
