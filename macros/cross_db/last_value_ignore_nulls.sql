{#-
    Window function: the last non-null `value` of the window frame; follow it with
    `over (...)` or `over <window name>`.
-#}
{% macro last_value_ignore_nulls(value) %}
    {%- if not value -%}
        {{ exceptions.raise_compiler_error(
            "last_value_ignore_nulls needs value: an SQL expression"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('last_value_ignore_nulls', 'signalhouse')(value)) }}
{% endmacro %}

{% macro default__last_value_ignore_nulls(value) -%}
    last_value({{ value }} ignore nulls)
{%- endmacro %}

{#- Spark puts IGNORE NULLS after the parentheses. -#}
{% macro spark__last_value_ignore_nulls(value) -%}
    last_value({{ value }}) ignore nulls
{%- endmacro %}
