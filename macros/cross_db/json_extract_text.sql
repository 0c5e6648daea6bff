{#-
    The text of the JSON value at `path` (an SQL string expression such as
    '$.properties.plan') in the JSON text `json_column`: a string unquoted, any other value
    as its JSON text; null when missing.
-#}
{% macro json_extract_text(json_column, path) %}
    {%- if not json_column or not path -%}
        {{ exceptions.raise_compiler_error(
            "json_extract_text needs json_column and path: two SQL expressions, e.g. "
            ~ "json_extract_text('payload', \"'$.properties.plan'\")"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('json_extract_text', 'signalhouse')(json_column, path)) }}
{% endmacro %}

{% macro default__json_extract_text(json_column, path) -%}
    json_extract_string({{ json_column }}, {{ path }})
{%- endmacro %}

{% macro spark__json_extract_text(json_column, path) -%}
    get_json_object({{ json_column }}, {{ path }})
{%- endmacro %}
