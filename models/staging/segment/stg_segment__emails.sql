-- Incremental: a run derives again the events staged since its newest row (less the raw lookback);
-- its pre-hook first deletes their rows, so an event whose kept copy is no longer an e-mail event
-- leaves the table (macro staged_events_derived_config). Its post-hook gives rows written earlier
-- the bounce_type their seed gives now.
{{ staged_events_derived_config(post_hook=[
    "{{ enum_values_renormalized(
        'bounce_type', 'bounce_type_raw', ref('enum_email_bounce_types')
    ) }}",
]) }}

with

events as (
    {{ staged_events_in_scope(ref('stg_segment__events')) }}
),

email_bounce_types as (
    select * from {{ ref('enum_email_bounce_types') }}
),

emails_filtered as (
    select * from events
    where
        event_type = 'track'
        and event_name in (
            'Email Sent',
            'Email Delivered',
            'Email Bounced',
            'Email Opened',
            'Email Link Clicked',
            'Email Form Submitted',
            'Email Unsubscribed',
            'Email Spam Reported'
        )
),

properties_parsed as (
    select
        *,
        {{ json_unpack('payload', {
            "properties": {
                "email_message_id": "VARCHAR",
                "campaign_id": "VARCHAR",
                "subject_variant": "VARCHAR",
                "bounce_type": "VARCHAR",
                "reason": "VARCHAR",
                "is_machine_open": "BOOLEAN",
                "link_url": "VARCHAR",
                "form_id": "VARCHAR"
            }
        }) }} as unpacked
    from emails_filtered
),

properties_unpacked as (
    select
        tenant_id,
        event_id,
        event_name,
        event_at,
        received_at,
        anonymous_id,
        user_id,
        platform,
        _loaded_at,
        unpacked['properties']['email_message_id'] as email_message_id,
        unpacked['properties']['campaign_id'] as campaign_id,
        unpacked['properties']['subject_variant'] as subject_variant,
        unpacked['properties']['bounce_type'] as bounce_type_raw,
        unpacked['properties']['reason'] as bounce_reason,
        unpacked['properties']['is_machine_open'] as is_machine_open,
        unpacked['properties']['link_url'] as link_url,
        unpacked['properties']['form_id'] as form_id,
        case event_name
            when 'Email Sent' then 'sent'
            when 'Email Delivered' then 'delivered'
            when 'Email Bounced' then 'bounced'
            when 'Email Opened' then 'opened'
            when 'Email Link Clicked' then 'link_clicked'
            when 'Email Form Submitted' then 'form_submitted'
            when 'Email Unsubscribed' then 'unsubscribed'
            when 'Email Spam Reported' then 'spam_reported'
        end as phase
    from properties_parsed
),

bounce_types_normalized as (
    select
        properties_unpacked.*,
        case
            when properties_unpacked.bounce_type_raw is not null
                then coalesce(email_bounce_types.normalized_value, 'unknown')
        end as bounce_type
    from properties_unpacked
    left join email_bounce_types
        on lower(trim(properties_unpacked.bounce_type_raw)) = email_bounce_types.raw_value
)

select * from bounce_types_normalized
