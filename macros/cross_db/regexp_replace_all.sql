{#- `text` with every match of the regular expression `pattern` replaced by `replacement`. -#}
{% macro regexp_replace_all(text, pattern, replacement) %}
    {%- if not text or not pattern or replacement is none -%}
        {{ exceptions.raise_compiler_error(
            "regexp_replace_all needs text, pattern and replacement: three SQL string "
            ~ "expressions (quote literals: \"'/+$'\")"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('regexp_replace_all', 'signalhouse')(text, pattern, replacement)) }}
{% endmacro %}

{% macro default__regexp_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, {{ pattern }}, {{ replacement }}, 'g')
{%- endmacro %}

{#- Spark's regexp_replace replaces every match (Java regular expressions). -#}
{% macro spark__regexp_replace_all(text, pattern, replacement) -%}
    regexp_replace({{ text }}, {{ pattern }}, {{ replacement }})
{%- endmacro %}
