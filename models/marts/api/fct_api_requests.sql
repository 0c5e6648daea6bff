with

api_requests as (
    select * from {{ ref('stg_segment__api_requests') }}
),

events as (
    select * from {{ ref('fct_events') }}
),

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
        latency_ms
    from requests_described
)

select * from final
