{#- A UTC timestamp earlier than any event: the watermark of an empty table. -#}
{% macro timestamp_lowest() %}
    {{ return(adapter.dispatch('timestamp_lowest', 'signalhouse')()) }}
{% endmacro %}

{% macro default__timestamp_lowest() -%}
    '-infinity'::timestamptz
{%- endmacro %}

{% macro spark__timestamp_lowest() -%}
    timestamp'0001-01-01 00:00:00'
{%- endmacro %}
