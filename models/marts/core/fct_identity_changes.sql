{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='fail',
    )
}}

with

identity_map as (
    select * from {{ ref('dim_identity_map') }}
),

-- The person each identifier was last recorded with; nothing on a first build.
recorded_ranked as (
    select
        tenant_id,
        identifier_type,
        identifier,
        person_id,
        row_number() over (
            partition by tenant_id, identifier_type, identifier
            order by {{ 'recorded_at desc, change_id desc' if is_incremental() else 'person_id' }}
        ) as recorded_rank
    from {{ this if is_incremental() else ref('dim_identity_map') }}
    where {{ 'true' if is_incremental() else 'false' }}
),

recorded_mapping as (
    select
        tenant_id,
        identifier_type,
        identifier,
        person_id
    from recorded_ranked
    where recorded_rank = 1
),

mapping_changes as (
    select
        identity_map.tenant_id,
        identity_map.identifier_type,
        identity_map.identifier,
        identity_map.person_id,
        recorded_mapping.person_id as previous_person_id
    from identity_map
    left join recorded_mapping
        on
            identity_map.tenant_id = recorded_mapping.tenant_id
            and identity_map.identifier_type = recorded_mapping.identifier_type
            and identity_map.identifier = recorded_mapping.identifier
    where recorded_mapping.person_id is distinct from identity_map.person_id
),

changes_recorded as (
    select
        tenant_id,
        identifier_type,
        identifier,
        person_id,
        previous_person_id,
        '{{ invocation_id }}' as change_id,
        current_timestamp as recorded_at,
        case
            when previous_person_id is null then 'first_seen'
            else 'moved'
        end as change_type
    from mapping_changes
)

select * from changes_recorded
