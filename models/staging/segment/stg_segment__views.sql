with

events as (
    select * from {{ ref('stg_segment__events') }}
),

views_filtered as (
    select * from events
    where event_type in ('page', 'screen')
),

properties_parsed as (
    select
        *,
        {{ json_unpack('payload', {
            "properties": {
                "name": "VARCHAR",
                "url": "VARCHAR",
                "path": "VARCHAR",
                "referrer": "VARCHAR",
                "title": "VARCHAR",
                "search": "VARCHAR"
            }
        }) }} as unpacked
    from views_filtered
),

properties_unpacked as (
    select
        tenant_id,
        event_id,
        event_at,
        received_at,
        anonymous_id,
        user_id,
        platform,
        event_type as view_type,
        coalesce(view_name, unpacked['properties']['name']) as view_name,
        unpacked['properties']['path'] as page_path,
        unpacked['properties']['url'] as page_url,
        unpacked['properties']['referrer'] as page_referrer,
        unpacked['properties']['title'] as page_title,
        unpacked['properties']['search'] as page_search
    from properties_parsed
)

select * from properties_unpacked
