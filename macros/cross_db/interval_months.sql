{#- A year-month interval of `months` months (a number or a column). -#}
{% macro interval_months(months) %}
    {%- if months is none or months == '' -%}
        {{ exceptions.raise_compiler_error(
            "interval_months needs months: a number or an SQL expression of whole months"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('interval_months', 'signalhouse')(months)) }}
{% endmacro %}

{% macro default__interval_months(months) -%}
    to_months({{ months }})
{%- endmacro %}

{% macro spark__interval_months(months) -%}
    make_ym_interval(0, cast({{ months }} as int))
{%- endmacro %}
