-- Invariant: the latest recorded person of every identifier is the person dim_identity_map
-- gives it now, and every identifier of the map has a record.

with

identity_map as (
    select * from {{ ref('dim_identity_map') }}
),

changes as (
    select * from {{ ref('fct_identity_changes') }}
),

changes_ranked as (
    select
        tenant_id,
        identifier_type,
        identifier,
        person_id,
        row_number() over (
            partition by tenant_id, identifier_type, identifier
            order by recorded_at desc, change_id desc
        ) as change_rank
    from changes
),

latest_changes as (
    select
        tenant_id,
        identifier_type,
        identifier,
        person_id
    from changes_ranked
    where change_rank = 1
),

compared as (
    select
        identity_map.tenant_id,
        identity_map.identifier_type,
        identity_map.identifier,
        identity_map.person_id as current_person_id,
        latest_changes.person_id as recorded_person_id
    from identity_map
    left join latest_changes
        on
            identity_map.tenant_id = latest_changes.tenant_id
            and identity_map.identifier_type = latest_changes.identifier_type
            and identity_map.identifier = latest_changes.identifier
)

select * from compared
where recorded_person_id is distinct from current_person_id
