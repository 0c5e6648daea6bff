{#- The rows of `counted_relation` (funnel_steps_counted) with conversion_from_start (the
    share of the units entered that completed the step) and conversion_from_previous (of
    those that completed the previous step, in the same `group_columns`; step 1: from
    start). -#}
{% macro funnel_conversion_rates(counted_relation, unit, group_columns) -%}
    {%- if unit not in ['persons', 'accounts'] or group_columns is string
        or not group_columns -%}
        {{ exceptions.raise_compiler_error(
            "funnel_conversion_rates needs unit ('persons' or 'accounts') and group_columns: "
            ~ "the list passed to funnel_steps_counted"
        ) }}
    {%- endif -%}
    select
        *,
        {{ unit }}_completed / {{ unit }}_entered as conversion_from_start,
        case
            when step_index = 1 then {{ unit }}_completed / {{ unit }}_entered
            else {{ unit }}_completed / nullif(lag({{ unit }}_completed) over (
                partition by {{ group_columns | join(', ') }}
                order by step_index
            ), 0)
        end as conversion_from_previous
    from {{ counted_relation }}
{%- endmacro %}
