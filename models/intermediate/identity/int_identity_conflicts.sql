-- A table, not a view: its tests and the models downstream each read it; as a view each
-- of them recomputed the identity graph up to it.
{{ config(materialized='table') }}

with

edges as (
    select * from {{ ref('int_identity_edges') }}
),

stitched as (
    select * from {{ ref('int_identities_stitched') }}
),

clustered as (
    select * from {{ ref('int_identifiers_clustered') }}
),

user_groups as (
    select distinct
        tenant_id,
        identifier as user_id,
        user_group_id,
        anchor as anchor_user_id
    from stitched
    where node_type = 'user_id'
),

direct_user_links as (
    select
        edges.tenant_id,
        edges.left_type as identifier_type,
        edges.left_identifier as identifier,
        edges.right_identifier as user_id
    from edges
    where edges.edge_type in (
        'anonymous_id__user_id',
        'email_hash__user_id',
        'notification__anonymous_id__user_id'
    )
),

device_user_links as (
    select
        device_edges.tenant_id,
        'device_id' as identifier_type,
        device_edges.left_identifier as identifier,
        direct_user_links.user_id
    from edges as device_edges
    inner join direct_user_links
        on
            device_edges.tenant_id = direct_user_links.tenant_id
            and direct_user_links.identifier_type = 'anonymous_id'
            and device_edges.right_identifier = direct_user_links.identifier
    where device_edges.edge_type = 'device_id__anonymous_id'
),

identifier_user_links as (
    select * from direct_user_links
    union all
    select * from device_user_links
),

identifier_groups as (
    select
        identifier_user_links.tenant_id,
        identifier_user_links.identifier_type,
        identifier_user_links.identifier,
        count(distinct user_groups.user_group_id) as user_id_count,
        {{ string_agg_sorted_distinct('user_groups.anchor_user_id', "', '") }} as user_ids
    from identifier_user_links
    inner join user_groups
        on
            identifier_user_links.tenant_id = user_groups.tenant_id
            and identifier_user_links.user_id = user_groups.user_id
    group by
        identifier_user_links.tenant_id,
        identifier_user_links.identifier_type,
        identifier_user_links.identifier
),

shared_identifiers as (
    select
        identifier_groups.tenant_id,
        stitched.cluster_id as component_id,
        'shared_' || identifier_groups.identifier_type as reason,
        identifier_groups.identifier_type,
        identifier_groups.identifier,
        identifier_groups.user_ids,
        identifier_groups.user_id_count,
        1 as identifier_count
    from identifier_groups
    inner join stitched
        on
            identifier_groups.tenant_id = stitched.tenant_id
            and identifier_groups.identifier_type || ':' || identifier_groups.identifier
            = stitched.node
    where identifier_groups.user_id_count > 1
),

components_over_cap as (
    select
        tenant_id,
        propagated_label as component_id,
        'component_over_size_cap' as reason,
        split_part(propagated_label, ':', 1) as identifier_type,
        substr(
            propagated_label, length(split_part(propagated_label, ':', 1)) + 2
        ) as identifier,
        cast(null as {{ dbt.type_string() }}) as user_ids,
        0 as user_id_count,
        count(*) as identifier_count
    from clustered
    where is_over_size_cap
    group by tenant_id, propagated_label
),

merges_over_cap as (
    select
        stitched.tenant_id,
        stitched.cluster_id as component_id,
        'merge_over_size_cap' as reason,
        split_part(stitched.cluster_id, ':', 1) as identifier_type,
        substr(
            stitched.cluster_id, length(split_part(stitched.cluster_id, ':', 1)) + 2
        ) as identifier,
        cast(null as {{ dbt.type_string() }}) as user_ids,
        0 as user_id_count,
        count(*) as identifier_count
    from stitched
    where stitched.resolution = 'over_size_cap'
    group by stitched.tenant_id, stitched.cluster_id
),

conflicts_unioned as (
    select * from shared_identifiers
    union all
    select * from components_over_cap
    union all
    select * from merges_over_cap
)

select * from conflicts_unioned
