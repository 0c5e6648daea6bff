{#- A day-time interval of `minutes` minutes (a number or a column). -#}
{% macro interval_minutes(minutes) %}
    {%- if minutes is none or minutes == '' -%}
        {{ exceptions.raise_compiler_error(
            "interval_minutes needs minutes: a number or an SQL expression of whole minutes"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('interval_minutes', 'signalhouse')(minutes)) }}
{% endmacro %}

{% macro default__interval_minutes(minutes) -%}
    to_minutes({{ minutes }})
{%- endmacro %}

{% macro spark__interval_minutes(minutes) -%}
    make_dt_interval(0, 0, cast({{ minutes }} as int), 0)
{%- endmacro %}
