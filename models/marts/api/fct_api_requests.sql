-- Incremental, event by event: a run describes again the API requests fct_events wrote
-- since its own last run (new, re-staged, moved to another person; its pre-hook first
-- deletes their rows, so an event that is no longer an API request leaves) and the requests
-- whose account's latest plan tier or whose endpoint's journey mapping (seed
-- api_endpoint_journey_map) is no longer the one they hold. A change of the macro
-- normalize_api_endpoint needs a full refresh.
{{
    config(
        materialized=incremental_materialization(),
        incremental_strategy='delete+insert',
        unique_key=['tenant_id', 'event_id'],
        on_schema_change='fail',
        pre_hook="{{ analytics_events_changed_deleted(ref('fct_events'), '_described_at') }}",
    )
}}

with

groups as (
    select * from {{ ref('stg_segment__groups') }}
),

journey_map as (
    select * from {{ ref('api_endpoint_journey_map') }}
),

accounts_ranked as (
    select
        tenant_id,
        group_id as account_id,
        plan_tier,
        row_number() over (
            partition by tenant_id, group_id
            order by event_at desc, event_id desc
        ) as recency_rank
    from groups
    where group_id is not null and plan_tier is not null
),

accounts_latest as (
    select
        tenant_id,
        account_id,
        plan_tier
    from accounts_ranked
    where recency_rank = 1
),

{%- if is_incremental() %}

    -- Written since the last run (the pre-hook deleted their rows), and rows whose plan
    -- tier or journey mapping is no longer the current one.
    requests_to_describe as (
        select
            events.tenant_id,
            events.event_id
        from {{ ref('fct_events') }} as events
        where {{ written_after_last_run('events._written_at', '_described_at') }}
        union
        select
            described.tenant_id,
            described.event_id
        from {{ this }} as described
        left join accounts_latest
            on
                described.tenant_id = accounts_latest.tenant_id
                and described.account_id = accounts_latest.account_id
        left join journey_map
            on
                described.endpoint = journey_map.endpoint_pattern
                and described.http_method = journey_map.http_method
        where
            described.plan_tier is distinct from accounts_latest.plan_tier
            or described.feature is distinct from journey_map.feature
            or described.journey_step
            is distinct from coalesce(journey_map.journey_step, 'unmapped')
            or described.is_key_feature
            is distinct from coalesce(journey_map.is_key_feature, false)
    ),
{%- endif %}

api_requests as (
    select staged_requests.*
    from {{ ref('stg_segment__api_requests') }} as staged_requests
    {%- if is_incremental() %}
        inner join requests_to_describe
            on
                staged_requests.tenant_id = requests_to_describe.tenant_id
                and staged_requests.event_id = requests_to_describe.event_id
    {%- endif %}
),

events as (
    select * from {{ ref('fct_events') }}
),

endpoints_normalized as (
    select
        api_requests.*,
        {{ normalize_api_endpoint('api_requests.endpoint') }} as endpoint_pattern
    from api_requests
),

requests_described as (
    select
        endpoints_normalized.tenant_id,
        endpoints_normalized.event_id,
        endpoints_normalized.request_id,
        endpoints_normalized.event_at as requested_at,
        endpoints_normalized.account_id,
        accounts_latest.plan_tier,
        events.person_id,
        endpoints_normalized.api_key_id,
        endpoints_normalized.integration_type,
        endpoints_normalized.api_version,
        endpoints_normalized.endpoint as endpoint_raw,
        endpoints_normalized.endpoint_pattern as endpoint,
        endpoints_normalized.http_method,
        journey_map.feature,
        endpoints_normalized.status_code,
        endpoints_normalized.status_class,
        endpoints_normalized.latency_ms,
        coalesce(journey_map.journey_step, 'unmapped') as journey_step,
        coalesce(journey_map.is_key_feature, false) as is_key_feature,
        endpoints_normalized.status_code < 400 as is_success,
        endpoints_normalized.status_class = '4xx' as is_client_error,
        endpoints_normalized.status_class = '5xx' as is_server_error
    from endpoints_normalized
    left join events
        on
            endpoints_normalized.tenant_id = events.tenant_id
            and endpoints_normalized.event_id = events.event_id
    left join accounts_latest
        on
            endpoints_normalized.tenant_id = accounts_latest.tenant_id
            and endpoints_normalized.account_id = accounts_latest.account_id
    left join journey_map
        on
            endpoints_normalized.endpoint_pattern = journey_map.endpoint_pattern
            and endpoints_normalized.http_method = journey_map.http_method
),

final as (
    select
        tenant_id,
        event_id,
        request_id,
        requested_at,
        cast(requested_at as date) as request_date,
        account_id,
        plan_tier,
        person_id,
        api_key_id,
        integration_type,
        api_version,
        endpoint_raw,
        endpoint,
        http_method,
        journey_step,
        feature,
        is_key_feature,
        status_code,
        status_class,
        is_success,
        is_client_error,
        is_server_error,
        latency_ms,
        {{ dbt.current_timestamp() }} as _described_at
    from requests_described
)

select * from final
