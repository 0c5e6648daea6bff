{#- A day-time interval of `weeks` weeks (a number or a column of whole weeks). -#}
{% macro interval_weeks(weeks) %}
    {%- if weeks is none or weeks == '' -%}
        {{ exceptions.raise_compiler_error(
            "interval_weeks needs weeks: a number or an SQL expression of whole weeks"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('interval_weeks', 'signalhouse')(weeks)) }}
{% endmacro %}

{% macro default__interval_weeks(weeks) -%}
    to_weeks({{ weeks }})
{%- endmacro %}

{% macro spark__interval_weeks(weeks) -%}
    make_dt_interval(7 * cast({{ weeks }} as int), 0, 0, 0)
{%- endmacro %}
