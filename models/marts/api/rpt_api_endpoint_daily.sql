with

api_requests as (
    select * from {{ ref('fct_api_requests') }}
),

endpoints_aggregated as (
    select
        tenant_id,
        account_id,
        endpoint,
        request_date,
        count(*) as requests,
        count(*) filter (where is_success) as successful_requests,
        count(*) filter (where is_client_error) as requests_4xx,
        count(*) filter (where is_server_error) as requests_5xx,
        count(distinct api_key_id) as distinct_api_keys,
        round({{ percentile_cont('latency_ms', 0.5) }}, 3) as p50_latency_ms,
        round({{ percentile_cont('latency_ms', 0.95) }}, 3) as p95_latency_ms,
        round({{ percentile_cont('latency_ms', 0.99) }}, 3) as p99_latency_ms
    from api_requests
    group by tenant_id, account_id, endpoint, request_date
),

final as (
    select
        tenant_id,
        request_date,
        requests,
        successful_requests,
        requests_4xx,
        requests_5xx,
        p50_latency_ms,
        p95_latency_ms,
        p99_latency_ms,
        distinct_api_keys,
        coalesce(account_id, 'unknown') as account_id,
        coalesce(endpoint, 'unknown') as endpoint,
        requests_4xx / requests as rate_4xx,
        requests_5xx / requests as rate_5xx
    from endpoints_aggregated
)

select * from final
