-- Invariant: two different user ids share a person only when alias calls join them. A row
-- is a person's user id that is in another alias group than the person's other user ids,
-- or that no alias call links to another user id of the same person.

with

stitched as (
    select * from {{ ref('int_identities_stitched') }}
),

edges as (
    select * from {{ ref('int_identity_edges') }}
),

person_users as (
    select
        tenant_id,
        person_id,
        identifier as user_id,
        cluster_id
    from stitched
    where node_type = 'user_id'
),

persons_with_several_users as (
    select
        tenant_id,
        person_id,
        count(distinct cluster_id) as alias_group_count
    from person_users
    group by tenant_id, person_id
    having count(*) > 1
),

alias_links as (
    select
        tenant_id,
        left_identifier as user_id,
        right_identifier as other_user_id
    from edges
    where edge_type = 'previous_id__user_id'
    union all
    select
        tenant_id,
        right_identifier as user_id,
        left_identifier as other_user_id
    from edges
    where edge_type = 'previous_id__user_id'
),

users_linked_inside_person as (
    select distinct
        person_users.tenant_id,
        person_users.person_id,
        person_users.user_id
    from person_users
    inner join alias_links
        on
            person_users.tenant_id = alias_links.tenant_id
            and person_users.user_id = alias_links.user_id
    inner join person_users as other_users
        on
            alias_links.tenant_id = other_users.tenant_id
            and alias_links.other_user_id = other_users.user_id
            and person_users.person_id = other_users.person_id
),

violations as (
    select
        person_users.tenant_id,
        person_users.person_id,
        person_users.user_id,
        persons_with_several_users.alias_group_count,
        users_linked_inside_person.user_id is not null as has_alias_inside_person
    from person_users
    inner join persons_with_several_users
        on
            person_users.tenant_id = persons_with_several_users.tenant_id
            and person_users.person_id = persons_with_several_users.person_id
    left join users_linked_inside_person
        on
            person_users.tenant_id = users_linked_inside_person.tenant_id
            and person_users.person_id = users_linked_inside_person.person_id
            and person_users.user_id = users_linked_inside_person.user_id
    where
        persons_with_several_users.alias_group_count > 1
        or users_linked_inside_person.user_id is null
)

select * from violations
