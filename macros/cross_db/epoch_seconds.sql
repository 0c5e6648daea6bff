{#- Seconds (a double, microsecond precision) from 1970-01-01 00:00 UTC to `timestamp_at`. -#}
{% macro epoch_seconds(timestamp_at) %}
    {%- if not timestamp_at -%}
        {{ exceptions.raise_compiler_error(
            "epoch_seconds needs timestamp_at: an SQL timestamp expression"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('epoch_seconds', 'signalhouse')(timestamp_at)) }}
{% endmacro %}

{% macro default__epoch_seconds(timestamp_at) -%}
    epoch({{ timestamp_at }})
{%- endmacro %}

{% macro spark__epoch_seconds(timestamp_at) -%}
    (unix_micros({{ timestamp_at }}) / 1e6)
{%- endmacro %}
