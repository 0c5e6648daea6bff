{#-
    The form in which an identifier is compared with the placeholder denylist: surrounding
    whitespace and quote characters removed, lower-cased. Empty means "no identifier".
-#}
{% macro identity_normalized_id(column) %}
    {{ return(adapter.dispatch('identity_normalized_id', 'signalhouse')(column)) }}
{% endmacro %}

{% macro default__identity_normalized_id(column) -%}
    {%- if not column -%}
        {{ exceptions.raise_compiler_error(
            "identity_normalized_id needs column: the SQL expression of an identifier"
        ) }}
    {%- endif -%}
    lower(regexp_replace({{ column }}, '^[\s"'']+|[\s"'']+$', '', 'g'))
{%- endmacro %}

{#- Spark's regexp_replace replaces every match and takes no flags. -#}
{% macro spark__identity_normalized_id(column) -%}
    lower(regexp_replace({{ column }}, '^[\\s"\']+|[\\s"\']+$', ''))
{%- endmacro %}
