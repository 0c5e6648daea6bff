-- A table, not a view: its tests and the models downstream each read it; as a view each
-- of them recomputed the identity graph up to it. Recomputed whole on every build (the graph
-- is small beside the events); `_changed_at` keeps, per node, when its person or resolution
-- last changed, from the table the build replaces, so int_events_identified identifies again
-- only the events of nodes changed since its own last run.
{{ config(materialized='table') }}

with

clusters as (
    select * from {{ ref('int_identifiers_clustered') }}
),

edges as (
    select * from {{ ref('int_identity_edges') }}
),

alias_previous_ids as (
    select distinct
        tenant_id,
        left_identifier as user_id
    from edges
    where edge_type = 'previous_id__user_id'
),

user_nodes_flagged as (
    select
        clusters.tenant_id,
        clusters.cluster_id,
        clusters.identifier,
        alias_previous_ids.user_id is not null as is_previous_id
    from clusters
    left join alias_previous_ids
        on
            clusters.tenant_id = alias_previous_ids.tenant_id
            and clusters.identifier = alias_previous_ids.user_id
    where clusters.node_type = 'user_id'
),

-- A user group: the user ids joined by alias calls. Its anchor is the smallest user id that
-- was never replaced by an alias (the current id), else the smallest id.
user_groups as (
    select
        tenant_id,
        cluster_id as user_group_id,
        coalesce(
            min(case when not is_previous_id then identifier end), min(identifier)
        ) as anchor_user_id,
        count(*) as user_group_size
    from user_nodes_flagged
    group by tenant_id, cluster_id
),

anonymous_clusters as (
    select
        tenant_id,
        cluster_id,
        count(*) as cluster_size,
        min(case when node_type = 'anonymous_id' then identifier end) as min_anonymous_id,
        min(node) as min_node
    from clusters
    where node_type != 'user_id'
    group by tenant_id, cluster_id
),

-- Edges that would join an anonymous cluster to a user group.
user_links as (
    select
        edges.tenant_id,
        identifier_clusters.cluster_id,
        user_clusters.cluster_id as user_group_id,
        min(edges.first_seen_at) as first_linked_at
    from edges
    inner join clusters as identifier_clusters
        on
            edges.tenant_id = identifier_clusters.tenant_id
            and edges.left_type || ':' || edges.left_identifier = identifier_clusters.node
    inner join clusters as user_clusters
        on
            edges.tenant_id = user_clusters.tenant_id
            and 'user_id:' || edges.right_identifier = user_clusters.node
    where
        edges.edge_type in (
            'anonymous_id__user_id',
            'email_hash__user_id',
            'notification__anonymous_id__user_id'
        )
    group by edges.tenant_id, identifier_clusters.cluster_id, user_clusters.cluster_id
),

-- Two user groups are never merged through a shared anonymous id, device or e-mail: such a
-- cluster goes to the group that logged in on it first (ties: the smaller group id) and is
-- listed in int_identity_conflicts.
user_links_ranked as (
    select
        *,
        count(*) over (partition by tenant_id, cluster_id) as linked_user_group_count,
        row_number() over (
            partition by tenant_id, cluster_id
            order by first_linked_at asc, user_group_id asc
        ) as link_rank
    from user_links
),

first_user_links as (
    select * from user_links_ranked
    where link_rank = 1
),

merged_sizes_measured as (
    select
        first_user_links.tenant_id,
        first_user_links.cluster_id,
        first_user_links.user_group_id,
        first_user_links.linked_user_group_count,
        user_groups.user_group_size + sum(anonymous_clusters.cluster_size) over (
            partition by first_user_links.tenant_id, first_user_links.user_group_id
        ) as merged_size
    from first_user_links
    inner join anonymous_clusters
        on
            first_user_links.tenant_id = anonymous_clusters.tenant_id
            and first_user_links.cluster_id = anonymous_clusters.cluster_id
    inner join user_groups
        on
            first_user_links.tenant_id = user_groups.tenant_id
            and first_user_links.user_group_id = user_groups.user_group_id
),

anonymous_clusters_resolved as (
    select
        anonymous_clusters.tenant_id,
        anonymous_clusters.cluster_id,
        coalesce(merged_sizes_measured.linked_user_group_count, 0) as linked_user_group_count,
        coalesce(
            merged_sizes_measured.merged_size > {{ var('identity_max_component_size', 200) }},
            false
        ) as is_merge_over_size_cap,
        case
            when
                merged_sizes_measured.merged_size
                <= {{ var('identity_max_component_size', 200) }}
                then merged_sizes_measured.user_group_id
        end as user_group_id,
        case
            when anonymous_clusters.min_anonymous_id is not null then 'anonymous_id'
            else split_part(anonymous_clusters.min_node, ':', 1)
        end as anchor_type,
        coalesce(
            anonymous_clusters.min_anonymous_id,
            substr(
                anonymous_clusters.min_node,
                length(split_part(anonymous_clusters.min_node, ':', 1)) + 2
            )
        ) as anchor
    from anonymous_clusters
    left join merged_sizes_measured
        on
            anonymous_clusters.tenant_id = merged_sizes_measured.tenant_id
            and anonymous_clusters.cluster_id = merged_sizes_measured.cluster_id
),

user_nodes_resolved as (
    select
        clusters.tenant_id,
        clusters.node,
        clusters.node_type,
        clusters.identifier,
        clusters.cluster_id,
        user_groups.user_group_id,
        'user_id' as anchor_type,
        user_groups.anchor_user_id as anchor,
        user_groups.anchor_user_id as person_user_id,
        'user' as resolution,
        0 as linked_user_group_count,
        clusters.is_over_size_cap
    from clusters
    inner join user_groups
        on
            clusters.tenant_id = user_groups.tenant_id
            and clusters.cluster_id = user_groups.user_group_id
),

anonymous_nodes_resolved as (
    select
        clusters.tenant_id,
        clusters.node,
        clusters.node_type,
        clusters.identifier,
        clusters.cluster_id,
        anonymous_clusters_resolved.user_group_id,
        user_groups.anchor_user_id as person_user_id,
        anonymous_clusters_resolved.linked_user_group_count,
        coalesce(
            user_groups.anchor_user_id, anonymous_clusters_resolved.anchor
        ) as anchor,
        case
            when user_groups.anchor_user_id is not null then 'user_id'
            else anonymous_clusters_resolved.anchor_type
        end as anchor_type,
        case
            when anonymous_clusters_resolved.is_merge_over_size_cap then 'over_size_cap'
            when anonymous_clusters_resolved.linked_user_group_count > 1 then 'shared_first_login'
            when anonymous_clusters_resolved.linked_user_group_count = 1 then 'linked'
            else 'anonymous'
        end as resolution,
        clusters.is_over_size_cap or anonymous_clusters_resolved.is_merge_over_size_cap
            as is_over_size_cap
    from clusters
    inner join anonymous_clusters_resolved
        on
            clusters.tenant_id = anonymous_clusters_resolved.tenant_id
            and clusters.cluster_id = anonymous_clusters_resolved.cluster_id
    left join user_groups
        on
            anonymous_clusters_resolved.tenant_id = user_groups.tenant_id
            and anonymous_clusters_resolved.user_group_id = user_groups.user_group_id
    where clusters.node_type != 'user_id'
),

nodes_unioned as (
    select
        tenant_id,
        node,
        node_type,
        identifier,
        cluster_id,
        user_group_id,
        anchor_type,
        anchor,
        person_user_id,
        resolution,
        linked_user_group_count,
        is_over_size_cap
    from user_nodes_resolved
    union all
    select
        tenant_id,
        node,
        node_type,
        identifier,
        cluster_id,
        user_group_id,
        anchor_type,
        anchor,
        person_user_id,
        resolution,
        linked_user_group_count,
        is_over_size_cap
    from anonymous_nodes_resolved
),

persons_assigned as (
    select
        tenant_id,
        node,
        node_type,
        identifier,
        cluster_id,
        user_group_id,
        anchor_type,
        anchor,
        person_user_id,
        resolution,
        linked_user_group_count,
        is_over_size_cap,
        'p_' || md5(tenant_id || '|' || anchor_type || '|' || anchor) as person_id
    from nodes_unioned
),

-- A node keeps its date while its person and resolution stay; new or changed, it is dated
-- now (every node on a first build, or when the replaced table has no dates).
changes_dated as (
    {{ changes_dated(
        'persons_assigned', ['tenant_id', 'node'], ['person_id', 'resolution'], '_changed_at'
    ) }}
)

select * from changes_dated
