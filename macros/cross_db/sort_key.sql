{#-
    A row value of `expressions` (a list of SQL expressions) that orders field by field: an
    ordering of several keys for arg_min_not_null and the like.
-#}
{% macro sort_key(expressions) %}
    {%- if expressions is string or not expressions -%}
        {{ exceptions.raise_compiler_error(
            "sort_key needs expressions: a list of SQL expressions, e.g. "
            ~ "['completed_at', 'person_id']"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('sort_key', 'signalhouse')(expressions)) }}
{% endmacro %}

{% macro default__sort_key(expressions) -%}
    ({{ expressions | join(', ') }})
{%- endmacro %}

{% macro spark__sort_key(expressions) -%}
    struct({{ expressions | join(', ') }})
{%- endmacro %}
