{#- The string at a JSONPath ('$.a.b') of a JSON text column, or null. -#}
{% macro identity_json_string(column, path) %}
    {{ return(adapter.dispatch('identity_json_string', 'signalhouse')(column, path)) }}
{% endmacro %}

{% macro default__identity_json_string(column, path) -%}
    {%- if not column or path is not string or not path.startswith('$') -%}
        {{ exceptions.raise_compiler_error(
            "identity_json_string needs column (a JSON text column) and path (a JSONPath "
            ~ "starting with '$', e.g. '$.context.userAgent'), got " ~ column ~ ", " ~ path
        ) }}
    {%- endif -%}
    json_extract_string({{ column }}, '{{ path }}')
{%- endmacro %}

{% macro spark__identity_json_string(column, path) -%}
    get_json_object({{ column }}, '{{ path }}')
{%- endmacro %}
