{#-
    The UTC instant of the wall-clock timestamp `local_at` (no zone) in the IANA time zone
    `time_zone` (the inverse of local_timestamp).
-#}
{% macro timestamp_from_local(time_zone, local_at) %}
    {%- if not time_zone or not local_at -%}
        {{ exceptions.raise_compiler_error(
            "timestamp_from_local needs time_zone and local_at: two SQL expressions"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('timestamp_from_local', 'signalhouse')(time_zone, local_at)) }}
{% endmacro %}

{% macro default__timestamp_from_local(time_zone, local_at) -%}
    timezone({{ time_zone }}, {{ local_at }})
{%- endmacro %}

{#- The Spark session runs in UTC (profiles.yml), so to_utc_timestamp gives the instant. -#}
{% macro spark__timestamp_from_local(time_zone, local_at) -%}
    to_utc_timestamp({{ local_at }}, {{ time_zone }})
{%- endmacro %}
