-- DuckDB SQL, as analysts query the warehouse: not compiled on Spark (README "### Spark").
{{ config(enabled=target.type != 'spark') }}

-- How does API latency in an account's first week relate to its retention?
-- One row per tenant and first-week latency half: the tenant's API accounts split at the
-- median of their first-week p95 latency (faster half first; an odd account out goes to
-- the faster half). The first week is the 7 days from the account's first successful
-- request; an account is retained when it makes another successful request 7 or more days
-- after that first one. It is observable when the tenant's data reaches 14 days after its
-- first success; the retention rate counts observable accounts only.
with

requests as (
    select * from {{ ref('fct_api_requests') }}
),

data_ends as (
    select
        tenant_id,
        max(requested_at) as data_end_at
    from requests
    group by tenant_id
),

first_values as (
    select
        tenant_id,
        account_id,
        min(requested_at) as first_value_at
    from requests
    where is_success
    group by tenant_id, account_id
),

accounts_measured as (
    select
        first_values.tenant_id,
        first_values.account_id,
        first_values.first_value_at,
        quantile_cont(requests.latency_ms, 0.95) filter (
            where requests.requested_at < first_values.first_value_at + interval 7 day
        ) as first_week_p95_latency_ms,
        avg(case when requests.is_success then 0.0 else 1.0 end) filter (
            where requests.requested_at < first_values.first_value_at + interval 7 day
        ) as first_week_error_rate,
        bool_or(
            requests.is_success
            and requests.requested_at >= first_values.first_value_at + interval 7 day
        ) as is_retained
    from first_values
    inner join requests
        on
            first_values.tenant_id = requests.tenant_id
            and first_values.account_id = requests.account_id
            and first_values.first_value_at <= requests.requested_at
    group by first_values.tenant_id, first_values.account_id, first_values.first_value_at
),

accounts_halved as (
    select
        accounts_measured.*,
        accounts_measured.first_value_at + interval 14 day
        <= data_ends.data_end_at as is_observable,
        ntile(2) over (
            partition by accounts_measured.tenant_id
            order by
                accounts_measured.first_week_p95_latency_ms asc,
                accounts_measured.account_id asc
        ) as latency_ntile
    from accounts_measured
    inner join data_ends
        on accounts_measured.tenant_id = data_ends.tenant_id
),

accounts_banded as (
    select
        *,
        case when latency_ntile = 1 then 'faster half' else 'slower half' end
            as latency_half
    from accounts_halved
),

final as (
    select
        tenant_id,
        latency_half,
        count(*) as api_accounts,
        min(first_week_p95_latency_ms) as min_first_week_p95_latency_ms,
        max(first_week_p95_latency_ms) as max_first_week_p95_latency_ms,
        avg(first_week_error_rate) as mean_first_week_error_rate,
        count(*) filter (where is_retained) as retained_accounts,
        count(*) filter (where is_observable) as observable_accounts,
        count(*) filter (where is_observable and is_retained)
        / nullif(count(*) filter (where is_observable), 0) as retention_rate
    from accounts_banded
    group by tenant_id, latency_half
)

select * from final
order by tenant_id, latency_half
