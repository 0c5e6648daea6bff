-- Invariant: tenant is part of every key; a person id never holds identifiers of two
-- tenants, and every person of the map is a person of the same tenant.

with

identity_map as (
    select * from {{ ref('dim_identity_map') }}
),

persons as (
    select * from {{ ref('dim_persons') }}
),

person_tenants as (
    select
        person_id,
        count(distinct tenant_id) as tenant_count
    from identity_map
    group by person_id
),

persons_across_tenants as (
    select
        person_tenants.person_id,
        person_tenants.tenant_count,
        'identifiers of several tenants' as problem
    from person_tenants
    where person_tenants.tenant_count > 1
    union all
    select
        identity_map.person_id,
        1 as tenant_count,
        'person of another tenant' as problem
    from identity_map
    inner join persons
        on identity_map.person_id = persons.person_id
    where identity_map.tenant_id != persons.tenant_id
)

select * from persons_across_tenants
