with

api_requests as (
    select * from {{ ref('fct_api_requests') }}
),

events as (
    select * from {{ ref('fct_events') }}
),

persons as (
    select * from {{ ref('dim_persons') }}
),

keys_created as (
    select
        tenant_id,
        {{ json_extract_text('payload', "'$.properties.account_id'") }} as account_id,
        min(event_at) as key_created_at,
        count(*) as keys_created,
        {{ first_ordered('person_id', ['event_at', 'event_id']) }} as key_creator_person_id
    from events
    where event_type = 'track' and event_name = 'API Key Created'
    group by tenant_id, {{ json_extract_text('payload', "'$.properties.account_id'") }}
),

requests_summarized as (
    select
        tenant_id,
        account_id,
        {{ last_ordered('plan_tier', ['requested_at', 'event_id'], 'plan_tier is not null') }}
            as plan_tier,
        {{ first_ordered('person_id', ['requested_at', 'event_id'], 'person_id is not null') }}
            as first_caller_person_id,
        min(requested_at) as first_request_at,
        min(requested_at) filter (where is_success) as first_successful_request_at,
        count(*) as requests
    from api_requests
    where account_id is not null
    group by tenant_id, account_id
),

accounts as (
    select
        requests_summarized.plan_tier,
        keys_created.key_created_at,
        requests_summarized.first_request_at,
        requests_summarized.first_successful_request_at,
        coalesce(requests_summarized.tenant_id, keys_created.tenant_id) as tenant_id,
        coalesce(requests_summarized.account_id, keys_created.account_id) as account_id,
        coalesce(
            keys_created.key_creator_person_id, requests_summarized.first_caller_person_id
        ) as owner_person_id,
        coalesce(keys_created.keys_created, 0) as keys_created,
        coalesce(requests_summarized.requests, 0) as requests
    from requests_summarized
    full outer join keys_created
        on
            requests_summarized.tenant_id = keys_created.tenant_id
            and requests_summarized.account_id = keys_created.account_id
),

features_first_used as (
    select
        tenant_id,
        account_id,
        feature,
        min(requested_at) as first_used_at
    from api_requests
    where is_success and is_key_feature
    group by tenant_id, account_id, feature
),

features_collected as (
    select
        tenant_id,
        account_id,
        count(*) as key_features_adopted,
        map_from_entries(
            {{ list_agg_ordered('(feature, first_used_at)', ['first_used_at', 'feature']) }}
        ) as key_feature_first_used_at
    from features_first_used
    group by tenant_id, account_id
),

requests_phased as (
    select
        api_requests.tenant_id,
        api_requests.account_id,
        api_requests.requested_at,
        api_requests.is_success,
        api_requests.latency_ms,
        api_requests.status_class in ('4xx', '5xx') as is_error,
        date_trunc('week', api_requests.requested_at)
        > date_trunc('week', accounts.first_successful_request_at) as is_later_week,
        api_requests.requested_at
        < accounts.first_successful_request_at
        + {{ interval_days(var('api_early_days')) }} as is_early
    from api_requests
    inner join accounts
        on
            api_requests.tenant_id = accounts.tenant_id
            and api_requests.account_id = accounts.account_id
    where accounts.first_successful_request_at is not null
),

activity_measured as (
    select
        tenant_id,
        account_id,
        count(distinct date_trunc('week', requested_at)) filter (where is_success)
            as active_weeks,
        count(*) filter (where is_success and is_later_week) > 0
            as is_active_in_later_week,
        count(*) filter (where is_early) as early_requests,
        count(*) filter (where is_early and is_error)
        / nullif(count(*) filter (where is_early), 0) as early_error_rate,
        {{ round_double(
            percentile_cont('latency_ms', 0.95) ~ ' filter (where is_early)', 3
        ) }} as early_p95_latency_ms,
        count(*) filter (where not is_early) as later_requests,
        count(distinct date_trunc('week', requested_at))
        filter (where is_success and not is_early) as later_active_weeks
    from requests_phased
    group by tenant_id, account_id
),

final as (
    select
        accounts.tenant_id,
        accounts.account_id,
        accounts.plan_tier,
        accounts.owner_person_id,
        persons.signed_up_at as owner_signed_up_at,
        accounts.key_created_at,
        accounts.keys_created,
        accounts.first_request_at,
        accounts.first_successful_request_at,
        accounts.first_successful_request_at < persons.signed_up_at
            as is_first_value_before_signup,
        {{ async_gap_ms('persons.signed_up_at', 'accounts.first_successful_request_at') }}
        / cast(3600000 as double) as hours_signup_to_first_value,
        {{ async_gap_ms('accounts.key_created_at', 'accounts.first_successful_request_at') }}
        / cast(3600000 as double) as hours_key_to_first_value,
        accounts.requests,
        coalesce(features_collected.key_features_adopted, 0) as key_features_adopted,
        features_collected.key_feature_first_used_at,
        coalesce(activity_measured.active_weeks, 0) as active_weeks,
        coalesce(activity_measured.is_active_in_later_week, false)
            as is_active_in_later_week,
        coalesce(activity_measured.early_requests, 0) as early_requests,
        activity_measured.early_error_rate,
        activity_measured.early_p95_latency_ms,
        coalesce(activity_measured.later_requests, 0) as later_requests,
        coalesce(activity_measured.later_active_weeks, 0) as later_active_weeks
    from accounts
    left join persons
        on
            accounts.tenant_id = persons.tenant_id
            and accounts.owner_person_id = persons.person_id
    left join features_collected
        on
            accounts.tenant_id = features_collected.tenant_id
            and accounts.account_id = features_collected.account_id
    left join activity_measured
        on
            accounts.tenant_id = activity_measured.tenant_id
            and accounts.account_id = activity_measured.account_id
)

select * from final
