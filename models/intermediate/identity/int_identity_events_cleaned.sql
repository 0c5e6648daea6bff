-- Incremental, row by row: a run cleans again the events staged since its newest row (less
-- the raw lookback), delete+insert on the event key; the rest stays. Every row records the
-- cleaning rules it was made with (the placeholder seed and the bot keywords, hashed): when
-- they change, the run cleans every event again, as a full refresh would; and when it was
-- written (`_cleaned_at`), from which int_events_identified takes the rows to identify again.
{{
    config(
        materialized=incremental_materialization(),
        incremental_strategy='delete+insert',
        unique_key=['tenant_id', 'event_id'],
        on_schema_change='fail',
        pre_hook="{{ written_columns_required(['_loaded_at', '_cleaning_rules', '_cleaned_at']) }}",
    )
}}

{%- set bot_keywords = var(
    'identity_bot_user_agent_keywords', ['bot', 'crawl', 'spider', 'slurp']
) | map('lower') | list %}

with

placeholder_ids as (
    select * from {{ ref('identity_placeholder_ids') }}
),

placeholder_values as (
    select distinct {{ identity_normalized_id('placeholder_value') }} as placeholder_value
    from placeholder_ids
),

cleaning_rules as (
    select
        {{ dbt.hash(
            "coalesce(" ~ string_agg_sorted_distinct('placeholder_value', "'|'") ~ ", '')"
            ~ " || ' bots: " ~ (bot_keywords | join('|') | replace("'", "''")) ~ "'"
        ) }} as rules_hash
    from placeholder_values
),

events as (
    select events.*
    from {{ ref('stg_segment__events') }} as events
    {%- if is_incremental() %}
        where
            events._loaded_at >= {{ loaded_watermark(this) }}
            or exists (
                select 1
                from {{ this }} as cleaned_before
                where
                    cleaned_before._cleaning_rules
                    is distinct from (select cleaning_rules.rules_hash from cleaning_rules)
            )
    {%- endif %}
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
        _loaded_at,
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
            {%- for keyword in bot_keywords %}
                user_agent_lower like '%{{ keyword }}%'{% if not loop.last %} or{% endif %}
            {%- endfor %},
            false
        ) as is_bot_user_agent,
        _loaded_at,
        (select cleaning_rules.rules_hash from cleaning_rules) as _cleaning_rules,
        {{ dbt.current_timestamp() }} as _cleaned_at
    from attributes_parsed
)

select * from cleaned
