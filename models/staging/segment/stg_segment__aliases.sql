with

events as (
    select * from {{ ref('stg_segment__events') }}
),

aliases_filtered as (
    select
        tenant_id,
        event_id,
        event_at,
        received_at,
        anonymous_id,
        user_id,
        previous_id,
        platform
    from events
    where event_type = 'alias'
)

select * from aliases_filtered
