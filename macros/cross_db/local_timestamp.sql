{#-
    The wall-clock time (a timestamp without zone) of the UTC timestamp `timestamp_at` in
    the IANA time zone `time_zone`.
-#}
{% macro local_timestamp(time_zone, timestamp_at) %}
    {%- if not time_zone or not timestamp_at -%}
        {{ exceptions.raise_compiler_error(
            "local_timestamp needs time_zone and timestamp_at: two SQL expressions"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('local_timestamp', 'signalhouse')(time_zone, timestamp_at)) }}
{% endmacro %}

{% macro default__local_timestamp(time_zone, timestamp_at) -%}
    {{ timestamp_at }} at time zone {{ time_zone }}
{%- endmacro %}

{#- The Spark session runs in UTC (profiles.yml), so from_utc_timestamp gives local time. -#}
{% macro spark__local_timestamp(time_zone, timestamp_at) -%}
    from_utc_timestamp({{ timestamp_at }}, {{ time_zone }})
{%- endmacro %}
