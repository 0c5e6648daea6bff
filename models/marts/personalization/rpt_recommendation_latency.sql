-- One row per (tenant, surface, model version, served date): latency percentiles of the
-- recommendation requests and how many broke their SLO (seed recommendation_latency_slos).
with

recommendations as (
    select * from {{ ref('stg_segment__recommendations') }}
),

analytics_events as (
    select * from {{ ref('fct_analytics_events') }}
),

tenants as (
    select * from {{ ref('tenants') }}
),

slos as (
    select * from {{ ref('recommendation_latency_slos') }}
),

slos_pivoted as (
    select
        surface,
        max(slo_ms) filter (where latency_component = 'total') as total_slo_ms,
        max(slo_ms) filter (where latency_component = 'feature') as feature_slo_ms,
        max(slo_ms) filter (
            where latency_component = 'inference'
        ) as inference_slo_ms,
        max(slo_ms) filter (where latency_component = 'network') as network_slo_ms
    from slos
    group by surface
),

requests_dated as (
    select
        recommendations.tenant_id,
        recommendations.event_id,
        recommendations.latency_ms,
        recommendations.feature_ms,
        recommendations.inference_ms,
        recommendations.network_ms,
        coalesce(recommendations.surface, 'unknown') as surface,
        coalesce(recommendations.model_version, 'unknown') as model_version,
        {{ local_date(
            "coalesce(tenants.time_zone, 'UTC')", 'analytics_events.event_at'
        ) }} as served_date
    from recommendations
    inner join analytics_events
        on
            recommendations.tenant_id = analytics_events.tenant_id
            and recommendations.event_id = analytics_events.event_id
    left join tenants
        on recommendations.tenant_id = tenants.tenant_id
),

latencies_measured as (
    select
        requests_dated.tenant_id,
        requests_dated.surface,
        requests_dated.model_version,
        requests_dated.served_date,
        count(*) as requests,
        {{ percentile_cont('requests_dated.latency_ms', 0.5) }} as total_p50_ms,
        {{ percentile_cont('requests_dated.latency_ms', 0.95) }} as total_p95_ms,
        {{ percentile_cont('requests_dated.latency_ms', 0.99) }} as total_p99_ms,
        count(*) filter (
            where requests_dated.latency_ms > slos_pivoted.total_slo_ms
        ) as total_slo_breaches,
        {{ percentile_cont('requests_dated.feature_ms', 0.5) }} as feature_p50_ms,
        {{ percentile_cont('requests_dated.feature_ms', 0.95) }} as feature_p95_ms,
        {{ percentile_cont('requests_dated.feature_ms', 0.99) }} as feature_p99_ms,
        count(*) filter (
            where requests_dated.feature_ms > slos_pivoted.feature_slo_ms
        ) as feature_slo_breaches,
        {{ percentile_cont('requests_dated.inference_ms', 0.5) }} as inference_p50_ms,
        {{ percentile_cont('requests_dated.inference_ms', 0.95) }} as inference_p95_ms,
        {{ percentile_cont('requests_dated.inference_ms', 0.99) }} as inference_p99_ms,
        count(*) filter (
            where requests_dated.inference_ms > slos_pivoted.inference_slo_ms
        ) as inference_slo_breaches,
        {{ percentile_cont('requests_dated.network_ms', 0.5) }} as network_p50_ms,
        {{ percentile_cont('requests_dated.network_ms', 0.95) }} as network_p95_ms,
        {{ percentile_cont('requests_dated.network_ms', 0.99) }} as network_p99_ms,
        count(*) filter (
            where requests_dated.network_ms > slos_pivoted.network_slo_ms
        ) as network_slo_breaches,
        max(slos_pivoted.total_slo_ms) as total_slo_ms,
        max(slos_pivoted.feature_slo_ms) as feature_slo_ms,
        max(slos_pivoted.inference_slo_ms) as inference_slo_ms,
        max(slos_pivoted.network_slo_ms) as network_slo_ms
    from requests_dated
    left join slos_pivoted
        on requests_dated.surface = slos_pivoted.surface
    group by
        requests_dated.tenant_id,
        requests_dated.surface,
        requests_dated.model_version,
        requests_dated.served_date
)

select * from latencies_measured
