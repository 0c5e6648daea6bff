{#- True when the regular expression `pattern` matches the whole of `text`. -#}
{% macro regexp_full_match(text, pattern) %}
    {%- if not text or not pattern -%}
        {{ exceptions.raise_compiler_error(
            "regexp_full_match needs text and pattern: two SQL string expressions"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('regexp_full_match', 'signalhouse')(text, pattern)) }}
{% endmacro %}

{% macro default__regexp_full_match(text, pattern) -%}
    regexp_full_match({{ text }}, {{ pattern }})
{%- endmacro %}

{% macro spark__regexp_full_match(text, pattern) -%}
    ({{ text }} rlike concat('^(?:', {{ pattern }}, ')$'))
{%- endmacro %}
