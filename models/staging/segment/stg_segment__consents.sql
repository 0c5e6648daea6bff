-- Incremental: a run derives again the events staged since its newest row (less the raw
-- lookback); its pre-hook first deletes their rows, so an event whose kept copy is no longer
-- a consent update leaves the table (macro staged_events_derived_config).
{{ staged_events_derived_config() }}

with

events as (
    {{ staged_events_in_scope(ref('stg_segment__events')) }}
),

consents_filtered as (
    select * from events
    where event_type = 'track' and event_name = 'Consent Updated'
),

properties_parsed as (
    select
        *,
        {{ json_unpack('payload', {
            "properties": {
                "categories_granted": ["VARCHAR"],
                "categories_denied": ["VARCHAR"]
            }
        }) }} as unpacked
    from consents_filtered
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
        _loaded_at,
        {{ list_transform(
            "unpacked['properties']['categories_granted']", 'category', 'lower(trim(category))'
        ) }} as categories_granted,
        {{ list_transform(
            "unpacked['properties']['categories_denied']", 'category', 'lower(trim(category))'
        ) }} as categories_denied
    from properties_parsed
),

consent_flags_derived as (
    select
        *,
        -- A denial wins over a grant of the same category; a category named in neither list
        -- is left unknown (null): this update says nothing about it.
        case
            when array_contains(categories_denied, 'analytics') then false
            when array_contains(categories_granted, 'analytics') then true
        end as has_analytics_consent,
        case
            when array_contains(categories_denied, 'marketing') then false
            when array_contains(categories_granted, 'marketing') then true
        end as has_marketing_consent,
        case
            when array_contains(categories_denied, 'messaging') then false
            when array_contains(categories_granted, 'messaging') then true
        end as has_messaging_consent
    from properties_unpacked
)

select * from consent_flags_derived
