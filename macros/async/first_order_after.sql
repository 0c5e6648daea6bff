{#- A select of the first order (Order Completed in fct_analytics_events, so the
    analytics opt-out applies) of each anchor's person strictly after its anchor time and
    within `hours` of it: one row per anchor that has one, with tenant_id, the anchor's
    key and first_ordered_at. -#}
{% macro first_order_after(anchors, key_column, anchor_column, hours) %}
    {%- if not (anchors and key_column and anchor_column and hours) -%}
        {{ exceptions.raise_compiler_error(
            "first_order_after needs anchors (a relation or CTE with tenant_id and "
            ~ "person_id), key_column, anchor_column and hours"
        ) }}
    {%- endif %}
    select
        anchors.tenant_id,
        anchors.{{ key_column }},
        min(orders.event_at) as first_ordered_at
    from {{ anchors }} as anchors
    inner join {{ ref('fct_analytics_events') }} as orders
        on
            anchors.tenant_id = orders.tenant_id
            and anchors.person_id = orders.person_id
            and anchors.{{ anchor_column }} < orders.event_at
            and orders.event_at <= anchors.{{ anchor_column }} + {{ interval_hours(hours) }}
    where orders.event_name = 'Order Completed'
    group by anchors.tenant_id, anchors.{{ key_column }}
{%- endmacro %}
