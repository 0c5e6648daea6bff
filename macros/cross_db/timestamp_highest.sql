{#- A UTC timestamp later than any event: the open end of a bounded interval. -#}
{% macro timestamp_highest() %}
    {{ return(adapter.dispatch('timestamp_highest', 'signalhouse')()) }}
{% endmacro %}

{% macro default__timestamp_highest() -%}
    'infinity'::timestamptz
{%- endmacro %}

{% macro spark__timestamp_highest() -%}
    timestamp'9999-12-31 23:59:59.999999'
{%- endmacro %}
