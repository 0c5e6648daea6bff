-- Invariant: no placeholder value (seed identity_placeholder_ids, empty or whitespace,
-- compared trimmed of spaces and quotes and lower-cased) is an identifier of the graph:
-- not an edge end, not a node of the identity map.

with

placeholder_ids as (
    select * from {{ ref('identity_placeholder_ids') }}
),

edges as (
    select * from {{ ref('int_identity_edges') }}
),

identity_map as (
    select * from {{ ref('dim_identity_map') }}
),

placeholder_values as (
    select distinct {{ identity_normalized_id('placeholder_value') }} as placeholder_value
    from placeholder_ids
),

identifiers_used as (
    select
        tenant_id,
        'edge:' || edge_type as used_as,
        left_identifier as identifier
    from edges
    union all
    select
        tenant_id,
        'edge:' || edge_type as used_as,
        right_identifier as identifier
    from edges
    union all
    select
        tenant_id,
        'map:' || identifier_type as used_as,
        identifier
    from identity_map
),

placeholders_used as (
    select
        tenant_id,
        used_as,
        identifier
    from identifiers_used
    where
        {{ identity_normalized_id('identifier') }} = ''
        or {{ identity_normalized_id('identifier') }} in (
            select placeholder_values.placeholder_value from placeholder_values
        )
)

select * from placeholders_used
