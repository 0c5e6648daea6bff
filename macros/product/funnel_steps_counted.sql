{#- Count a funnel's units (`unit`: persons or accounts) per step of `steps_relation` (one
    row per unit and step, with is_completed and seconds_from_previous), grouped by
    `group_columns` then step: `<unit>_entered`, `<unit>_completed`, and the median and
    90th percentile of the seconds from the previous step among completions. Read by
    rpt_funnel_steps and rpt_funnel_steps_by_account, whose next step is
    funnel_conversion_rates. -#}
{% macro funnel_steps_counted(steps_relation, unit, group_columns) -%}
    {%- if unit not in ['persons', 'accounts'] or group_columns is string
        or not group_columns -%}
        {{ exceptions.raise_compiler_error(
            "funnel_steps_counted needs unit ('persons' or 'accounts') and group_columns: "
            ~ "a list of the columns counted by, e.g. ['tenant_id', 'funnel_id']"
        ) }}
    {%- endif -%}
    select
        {%- for column in group_columns %}
        {{ column }},
        {%- endfor %}
        step_index,
        step_name,
        count(*) as {{ unit }}_entered,
        count(*) filter (where is_completed) as {{ unit }}_completed,
        {{ percentile_cont('seconds_from_previous', 0.5) }} filter (
            where is_completed
        ) as median_seconds_to_convert,
        {{ percentile_cont('seconds_from_previous', 0.9) }} filter (
            where is_completed
        ) as p90_seconds_to_convert
    from {{ steps_relation }}
    group by
        {%- for column in group_columns %}
        {{ column }},
        {%- endfor %}
        step_index,
        step_name
{%- endmacro %}
