{#- The columns of seed funnel_steps that decide which events match a step (not its name,
    gap or period, which the attempts apply): fct_funnel_step_events derives every row again
    when their hash changes. -#}
{% macro funnel_step_rule_columns() -%}
    {{ return([
        'funnel_id', 'step_index', 'step_source', 'event_name',
        'property_name', 'property_operator', 'property_value',
    ]) }}
{%- endmacro %}
