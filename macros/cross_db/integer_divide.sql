{#- The integer quotient of `dividend` by `divisor`, rounded towards zero. -#}
{% macro integer_divide(dividend, divisor) %}
    {%- if dividend is none or dividend == '' or divisor is none or divisor == '' -%}
        {{ exceptions.raise_compiler_error(
            "integer_divide needs dividend and divisor: two SQL integer expressions"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('integer_divide', 'signalhouse')(dividend, divisor)) }}
{% endmacro %}

{% macro default__integer_divide(dividend, divisor) -%}
    ({{ dividend }} // {{ divisor }})
{%- endmacro %}

{% macro spark__integer_divide(dividend, divisor) -%}
    ({{ dividend }} div {{ divisor }})
{%- endmacro %}
