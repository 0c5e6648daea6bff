-- Incremental: a run derives again the events staged since its newest row (less the raw
-- lookback); its pre-hook first deletes their rows, so an event whose kept copy is no longer
-- a page or screen leaves the table. Read by no model: rebuilt whole, it was 21-29 s of a
-- 10M night. Spark keeps the view it had (the staging tables there are views).
{{ staged_events_derived_config() }}

with

events as (
    {{ staged_events_in_scope(ref('stg_segment__events')) }}
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
        _loaded_at,
        coalesce(view_name, unpacked['properties']['name']) as view_name,
        unpacked['properties']['path'] as page_path,
        unpacked['properties']['url'] as page_url,
        unpacked['properties']['referrer'] as page_referrer,
        unpacked['properties']['title'] as page_title,
        unpacked['properties']['search'] as page_search
    from properties_parsed
)

select * from properties_unpacked
