{{ config(materialized='table') }}

with

identifiers as (
    select * from {{ ref('int_identity_identifiers') }}
),

edges as (
    select * from {{ ref('int_identity_edges') }}
),

nodes as (
    select distinct
        tenant_id,
        node
    from identifiers
),

-- Only the edges that can never join two different users: an alias call (an explicit
-- merge instruction between an old and a new user id) and a device id with the anonymous
-- ids its apps used. Edges to user ids from anonymous ids and e-mails are applied later,
-- in int_identities_stitched, under the guards.
merge_safe_edges as (
    select
        tenant_id,
        'user_id:' || left_identifier as node_a,
        'user_id:' || right_identifier as node_b
    from edges
    where edge_type = 'previous_id__user_id'
    union all
    select
        tenant_id,
        'device_id:' || left_identifier as node_a,
        'anonymous_id:' || right_identifier as node_b
    from edges
    where edge_type = 'device_id__anonymous_id'
),

labels_propagated as (
    {{ identity_label_propagation(
        'merge_safe_edges', var('identity_label_propagation_rounds', 8)
    ) }}
),

labels_joined as (
    select
        nodes.tenant_id,
        nodes.node,
        coalesce(labels_propagated.label, nodes.node) as propagated_label,
        coalesce(
            labels_propagated.label_before_last_round, nodes.node
        ) as label_before_last_round
    from nodes
    left join labels_propagated
        on
            nodes.tenant_id = labels_propagated.tenant_id
            and nodes.node = labels_propagated.node
),

components_measured as (
    select
        *,
        count(*) over (
            partition by tenant_id, propagated_label
        ) as component_size
    from labels_joined
),

caps_applied as (
    select
        tenant_id,
        node,
        split_part(node, ':', 1) as node_type,
        substr(node, length(split_part(node, ':', 1)) + 2) as identifier,
        propagated_label,
        label_before_last_round,
        component_size,
        component_size > {{ var('identity_max_component_size', 200) }} as is_over_size_cap,
        -- A component over the cap is not merged: each of its nodes stands alone.
        case
            when component_size > {{ var('identity_max_component_size', 200) }} then node
            else propagated_label
        end as cluster_id
    from components_measured
)

select * from caps_applied
