-- Incremental: a run derives again the events staged since its newest row (less the raw lookback);
-- its pre-hook first deletes their rows, so an event whose kept copy is no longer an API request
-- leaves the table (macro staged_events_derived_config). Its post-hook gives rows written earlier
-- the http_method their seed gives now.
{{ staged_events_derived_config(post_hook=[
    "{{ enum_values_renormalized('http_method', 'http_method_raw', ref('enum_http_methods')) }}",
]) }}

with

events as (
    {{ staged_events_in_scope(ref('stg_segment__events')) }}
),

http_methods as (
    select * from {{ ref('enum_http_methods') }}
),

api_requests_filtered as (
    select * from events
    where event_type = 'track' and event_name = 'API Request'
),

properties_parsed as (
    select
        *,
        {{ json_unpack('payload', {
            "properties": {
                "request_id": "VARCHAR",
                "endpoint": "VARCHAR",
                "method": "VARCHAR",
                "status_code": "BIGINT",
                "latency_ms": "DOUBLE",
                "api_version": "VARCHAR",
                "api_key_id": "VARCHAR",
                "integration_type": "VARCHAR",
                "account_id": "VARCHAR"
            }
        }) }} as unpacked
    from api_requests_filtered
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
        unpacked['properties']['request_id'] as request_id,
        unpacked['properties']['account_id'] as account_id,
        unpacked['properties']['api_key_id'] as api_key_id,
        unpacked['properties']['endpoint'] as endpoint,
        unpacked['properties']['method'] as http_method_raw,
        unpacked['properties']['status_code'] as status_code,
        unpacked['properties']['latency_ms'] as latency_ms,
        unpacked['properties']['api_version'] as api_version,
        unpacked['properties']['integration_type'] as integration_type
    from properties_parsed
),

status_classified as (
    select
        *,
        case
            when status_code between 100 and 599
                then
                    cast({{ integer_divide('status_code', 100) }} as {{ dbt.type_string() }})
                    || 'xx'
            when status_code is not null then 'unknown'
        end as status_class
    from properties_unpacked
),

methods_normalized as (
    select
        status_classified.*,
        case
            when status_classified.http_method_raw is not null
                then coalesce(http_methods.normalized_value, 'unknown')
        end as http_method
    from status_classified
    left join http_methods
        on lower(trim(status_classified.http_method_raw)) = http_methods.raw_value
)

select * from methods_normalized
