with

identifiers as (
    select * from {{ ref('int_identity_identifiers') }}
),

stitched as (
    select * from {{ ref('int_identities_stitched') }}
),

identifiers_mapped as (
    select
        identifiers.tenant_id,
        identifiers.identifier_type,
        identifiers.identifier,
        stitched.person_id,
        stitched.resolution,
        identifiers.first_seen_at,
        identifiers.last_seen_at,
        identifiers.event_count,
        stitched.resolution = 'shared_first_login' as is_shared
    from identifiers
    inner join stitched
        on
            identifiers.tenant_id = stitched.tenant_id
            and identifiers.node = stitched.node
),

final as (
    select
        tenant_id,
        identifier_type,
        identifier,
        person_id,
        resolution,
        is_shared,
        first_seen_at,
        last_seen_at,
        event_count
    from identifiers_mapped
)

select * from final
