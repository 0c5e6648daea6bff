{#- A day-time interval of `hours` hours (a number or a column). -#}
{% macro interval_hours(hours) %}
    {%- if hours is none or hours == '' -%}
        {{ exceptions.raise_compiler_error(
            "interval_hours needs hours: a number or an SQL expression of whole hours"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('interval_hours', 'signalhouse')(hours)) }}
{% endmacro %}

{% macro default__interval_hours(hours) -%}
    to_hours({{ hours }})
{%- endmacro %}

{% macro spark__interval_hours(hours) -%}
    make_dt_interval(0, cast({{ hours }} as int), 0, 0)
{%- endmacro %}
