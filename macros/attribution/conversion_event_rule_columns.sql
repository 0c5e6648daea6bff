{#- The columns of seed conversion_events that decide what fct_conversions derives: it
    derives every row again when their hash changes. -#}
{% macro conversion_event_rule_columns() -%}
    {{ return(['conversion_name', 'event_name', 'revenue_property', 'currency_property']) }}
{%- endmacro %}
