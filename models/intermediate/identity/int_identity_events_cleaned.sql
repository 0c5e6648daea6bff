-- A table, not a view: its tests and the models downstream each read it; as a view each
-- of them recomputed the identity graph up to it.
{{ config(materialized='table') }}

with

events as (
    select * from {{ ref('stg_segment__events') }}
),

placeholder_ids as (
    select * from {{ ref('identity_placeholder_ids') }}
),

placeholder_values as (
    select distinct {{ identity_normalized_id('placeholder_value') }} as placeholder_value
    from placeholder_ids
),

ids_normalized as (
    select
        tenant_id,
        event_id,
        event_type,
        event_name,
        event_at,
        platform,
        is_background,
        user_id,
        anonymous_id,
        previous_id,
        device_id,
        email_hash,
        user_agent,
        plan_tier,
        {{ identity_normalized_id('user_id') }} as user_id_normalized,
        {{ identity_normalized_id('anonymous_id') }} as anonymous_id_normalized,
        {{ identity_normalized_id('previous_id') }} as previous_id_normalized,
        {{ identity_normalized_id('device_id') }} as device_id_normalized,
        {{ identity_normalized_id('email_hash') }} as email_hash_normalized
    from events
),

placeholders_flagged as (
    select
        *,
        coalesce(
            user_id_normalized = ''
            or user_id_normalized in (
                select placeholder_values.placeholder_value from placeholder_values
            ),
            false
        ) as is_user_id_placeholder,
        coalesce(
            anonymous_id_normalized = ''
            or anonymous_id_normalized in (
                select placeholder_values.placeholder_value from placeholder_values
            ),
            false
        ) as is_anonymous_id_placeholder,
        coalesce(
            previous_id_normalized = ''
            or previous_id_normalized in (
                select placeholder_values.placeholder_value from placeholder_values
            ),
            false
        ) as is_previous_id_placeholder,
        coalesce(
            device_id_normalized = ''
            or device_id_normalized in (
                select placeholder_values.placeholder_value from placeholder_values
            ),
            false
        ) as is_device_id_placeholder,
        coalesce(
            email_hash_normalized = ''
            or email_hash_normalized in (
                select placeholder_values.placeholder_value from placeholder_values
            ),
            false
        ) as is_email_hash_placeholder
    from ids_normalized
),

attributes_parsed as (
    select
        *,
        lower(user_agent) as user_agent_lower
    from placeholders_flagged
),

cleaned as (
    select
        tenant_id,
        event_id,
        event_type,
        event_name,
        event_at,
        platform,
        is_background,
        plan_tier,
        case when not is_user_id_placeholder then user_id end as user_id,
        case when not is_anonymous_id_placeholder then anonymous_id end as anonymous_id,
        case when not is_previous_id_placeholder then previous_id end as previous_id,
        case when not is_device_id_placeholder then device_id end as device_id,
        case when not is_email_hash_placeholder then email_hash end as email_hash,
        (
            is_user_id_placeholder
            or is_anonymous_id_placeholder
            or is_previous_id_placeholder
            or is_device_id_placeholder
            or is_email_hash_placeholder
        ) as has_placeholder_id,
        coalesce(
            {%- for keyword in var(
                'identity_bot_user_agent_keywords', ['bot', 'crawl', 'spider', 'slurp']
            ) %}
                user_agent_lower like '%{{ keyword | lower }}%'{% if not loop.last %} or{% endif %}
            {%- endfor %},
            false
        ) as is_bot_user_agent
    from attributes_parsed
)

select * from cleaned
