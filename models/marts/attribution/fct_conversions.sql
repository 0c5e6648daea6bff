with

events as (
    select * from {{ ref('fct_analytics_events') }}
),

conversion_events as (
    select * from {{ ref('conversion_events') }}
),

conversions_matched as (
    select
        events.tenant_id,
        events.event_id as conversion_id,
        conversion_events.conversion_name,
        events.person_id,
        events.event_at as converted_at,
        events.platform,
        events.session_id,
        try_cast({{ json_extract_text(
            'events.payload',
            "'$.properties.' || conversion_events.revenue_property"
        ) }} as double) as revenue,
        upper(trim({{ json_extract_text(
            'events.payload',
            "'$.properties.' || conversion_events.currency_property"
        ) }})) as currency
    from events
    inner join conversion_events
        on
            events.event_type = 'track'
            and events.event_name = conversion_events.event_name
),

final as (
    select
        tenant_id,
        conversion_id,
        conversion_name,
        person_id,
        converted_at,
        platform,
        session_id,
        revenue,
        currency
    from conversions_matched
)

select * from final
