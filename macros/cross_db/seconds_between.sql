{#- Seconds (a double, microsecond precision) from timestamp `start_at` to `end_at`. -#}
{% macro seconds_between(start_at, end_at) %}
    {%- if not start_at or not end_at -%}
        {{ exceptions.raise_compiler_error(
            "seconds_between needs start_at and end_at: two SQL timestamp expressions"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('seconds_between', 'signalhouse')(start_at, end_at)) }}
{% endmacro %}

{% macro default__seconds_between(start_at, end_at) -%}
    epoch({{ end_at }} - {{ start_at }})
{%- endmacro %}

{% macro spark__seconds_between(start_at, end_at) -%}
    (unix_micros({{ end_at }}) - unix_micros({{ start_at }})) / 1e6
{%- endmacro %}
