-- Incremental: a run rewrites whole the events staged since its newest row (less the raw
-- lookback); the pre-hook first updates in place the person and session of the events
-- int_events_identified (tombstones included) or int_events_sessionized wrote after this
-- model's last run, where they differ (macro event_attributions_updated): neither step
-- reads history's payloads or compares every event. Each row records when it was written
-- (`_written_at`, by either step), moved as well for the events of a person whose analytics
-- filter changed (macro analytics_filter_changes_dated): the marts derived event by event
-- take again the events written after their own last run.
{{
    config(
        materialized=incremental_materialization(),
        incremental_strategy='delete+insert',
        unique_key=['tenant_id', 'event_id'],
        on_schema_change='fail',
        pre_hook=[
            "{{ event_attributions_updated(
                ref('int_events_identified'), ref('int_events_sessionized')
            ) }}",
            "{{ analytics_filter_changes_dated(ref('dim_persons')) }}",
        ],
    )
}}

-- What the pre-hooks read: depends_on: {{ ref('dim_persons') }}.

with

events as (
    select * from {{ ref('stg_segment__events') }}
),

identified as (
    select * from {{ ref('int_events_identified') }}
),

sessionized as (
    select * from {{ ref('int_events_sessionized') }}
),

-- An incremental run's filter reaches the scan: zone maps skip history's row groups, whose
-- payloads are not read.
events_in_scope as (
    select * from events
    {%- if is_incremental() %}
        where _loaded_at >= {{ loaded_watermark(this) }}
    {%- endif %}
),

events_attributed as (
    select
        events_in_scope.tenant_id,
        events_in_scope.event_id,
        events_in_scope.event_type,
        events_in_scope.event_name,
        events_in_scope.view_name,
        events_in_scope.event_at,
        events_in_scope.received_at,
        events_in_scope.timestamp_source,
        events_in_scope.platform,
        events_in_scope.is_background,
        identified.person_id,
        sessionized.session_id,
        sessionized.event_number_in_session,
        events_in_scope.anonymous_id,
        events_in_scope.user_id,
        events_in_scope.device_id,
        events_in_scope.campaign_source,
        events_in_scope.campaign_medium,
        events_in_scope.campaign_name,
        events_in_scope.page_path,
        events_in_scope.payload,
        events_in_scope._loaded_at,
        {{ dbt.current_timestamp() }} as _written_at
    from events_in_scope
    left join identified
        on
            events_in_scope.tenant_id = identified.tenant_id
            and events_in_scope.event_id = identified.event_id
    left join sessionized
        on
            events_in_scope.tenant_id = sessionized.tenant_id
            and events_in_scope.event_id = sessionized.event_id
)

select * from events_attributed
