{#- A day-time interval of `days` days (a number or a column). -#}
{% macro interval_days(days) %}
    {%- if days is none or days == '' -%}
        {{ exceptions.raise_compiler_error(
            "interval_days needs days: a number or an SQL expression of whole days"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('interval_days', 'signalhouse')(days)) }}
{% endmacro %}

{% macro default__interval_days(days) -%}
    to_days({{ days }})
{%- endmacro %}

{% macro spark__interval_days(days) -%}
    make_dt_interval(cast({{ days }} as int), 0, 0, 0)
{%- endmacro %}
