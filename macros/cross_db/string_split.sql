{#- The list of the parts of `text` split at each `delimiter` (taken literally). -#}
{% macro string_split(text, delimiter) %}
    {%- if not text or not delimiter -%}
        {{ exceptions.raise_compiler_error(
            "string_split needs text and delimiter: an SQL string expression and a quoted "
            ~ "SQL literal such as \"'|'\""
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('string_split', 'signalhouse')(text, delimiter)) }}
{% endmacro %}

{% macro default__string_split(text, delimiter) -%}
    string_split({{ text }}, {{ delimiter }})
{%- endmacro %}

{#- Spark's split takes a regular expression: quote the delimiter; -1 keeps empty parts. -#}
{% macro spark__string_split(text, delimiter) -%}
    split({{ text }}, concat('\\Q', {{ delimiter }}, '\\E'), -1)
{%- endmacro %}
