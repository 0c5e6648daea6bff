{#- A day-time interval of `seconds` seconds (a number or a column). -#}
{% macro interval_seconds(seconds) %}
    {%- if seconds is none or seconds == '' -%}
        {{ exceptions.raise_compiler_error(
            "interval_seconds needs seconds: a number or an SQL expression of seconds"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('interval_seconds', 'signalhouse')(seconds)) }}
{% endmacro %}

{% macro default__interval_seconds(seconds) -%}
    to_seconds({{ seconds }})
{%- endmacro %}

{% macro spark__interval_seconds(seconds) -%}
    make_dt_interval(0, 0, 0, {{ seconds }})
{%- endmacro %}
