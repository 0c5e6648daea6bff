{#- The SQL type of a UTC instant, e.g. for cast(null as ...) in a union. -#}
{% macro type_timestamptz() %}
    {{ return(adapter.dispatch('type_timestamptz', 'signalhouse')()) }}
{% endmacro %}

{% macro default__type_timestamptz() -%}
    timestamp with time zone
{%- endmacro %}

{#- No TIMESTAMPTZ on Spark: timestamps are UTC instants in a UTC session. -#}
{% macro spark__type_timestamptz() -%}
    timestamp
{%- endmacro %}
