{#- The calendar date of the UTC timestamp `timestamp_at` in the IANA time zone `time_zone`. -#}
{% macro local_date(time_zone, timestamp_at) %}
    {%- if not time_zone or not timestamp_at -%}
        {{ exceptions.raise_compiler_error(
            "local_date needs time_zone and timestamp_at: two SQL expressions"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('local_date', 'signalhouse')(time_zone, timestamp_at)) }}
{% endmacro %}

{% macro default__local_date(time_zone, timestamp_at) -%}
    cast(timezone({{ time_zone }}, {{ timestamp_at }}) as date)
{%- endmacro %}

{#- The Spark session runs in UTC (profiles.yml), so from_utc_timestamp gives local time. -#}
{% macro spark__local_date(time_zone, timestamp_at) -%}
    to_date(from_utc_timestamp({{ timestamp_at }}, {{ time_zone }}))
{%- endmacro %}
