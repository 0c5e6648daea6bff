with

sessionized as (
    select * from {{ ref('int_events_sessionized') }}
),

tenants as (
    select * from {{ ref('tenants') }}
),

channel_groups as (
    select * from {{ ref('channel_groups') }}
),

sessions_aggregated as (
    select
        tenant_id,
        session_id,
        any_value(person_id) as person_id,
        min(event_at) as started_at,
        max(event_at) as ended_at,
        count(*) as event_count,
        count(*) filter (where event_type in ('page', 'screen')) as view_count,
        count(*) filter (where event_name = 'Order Completed') as order_count,
        {{ sorted_distinct_list('platform') }} as platforms,
        {{ arg_min_not_null('platform', 'event_number_in_session') }} as first_platform,
        {{ arg_min_not_null(
            'coalesce(view_name, page_path)', 'event_number_in_session'
        ) }} filter (where event_type in ('page', 'screen')) as landing_view,
        {{ arg_min_not_null(
            'campaign_source', 'event_number_in_session'
        ) }} as first_campaign_source,
        {{ arg_min_not_null(
            'campaign_medium', 'event_number_in_session'
        ) }} as first_campaign_medium,
        {{ arg_min_not_null(
            'campaign_name', 'event_number_in_session'
        ) }} as first_campaign_name
    from sessionized
    group by tenant_id, session_id
),

sessions_localized as (
    select
        sessions_aggregated.*,
        coalesce(tenants.time_zone, 'UTC') as time_zone
    from sessions_aggregated
    left join tenants on sessions_aggregated.tenant_id = tenants.tenant_id
),

-- Channel rules are regular expressions compared row by row: match each distinct
-- (source, medium) pair once, not every session (a session holds one of few pairs).
campaign_pairs as (
    select distinct
        coalesce(first_campaign_source, '') as campaign_source,
        coalesce(first_campaign_medium, '') as campaign_medium
    from sessions_localized
),

channels_matched as (
    select
        campaign_pairs.campaign_source,
        campaign_pairs.campaign_medium,
        coalesce(
            {{ arg_min_not_null('channel_groups.channel', 'channel_groups.priority') }},
            'Unassigned'
        ) as first_channel
    from campaign_pairs
    left join channel_groups
        on
            {{ regexp_full_match(
                "campaign_pairs.campaign_source",
                "coalesce(channel_groups.source_pattern, '')"
            ) }}
            and {{ regexp_full_match(
                "campaign_pairs.campaign_medium",
                "coalesce(channel_groups.medium_pattern, '')"
            ) }}
    group by campaign_pairs.campaign_source, campaign_pairs.campaign_medium
),

sessions_channeled as (
    select
        sessions_localized.*,
        channels_matched.first_channel
    from sessions_localized
    inner join channels_matched
        on
            coalesce(sessions_localized.first_campaign_source, '')
            = channels_matched.campaign_source
            and coalesce(sessions_localized.first_campaign_medium, '')
            = channels_matched.campaign_medium
),

final as (
    select
        tenant_id,
        session_id,
        person_id,
        started_at,
        ended_at,
        first_platform,
        platforms,
        landing_view,
        first_campaign_source,
        first_campaign_medium,
        first_campaign_name,
        first_channel,
        event_count,
        view_count,
        order_count,
        {{ local_date('time_zone', 'started_at') }} as session_date,
        {{ seconds_between('started_at', 'ended_at') }} as duration_seconds,
        {{ seconds_between('started_at', 'ended_at') }} >= 10
        or view_count >= 2
        or order_count > 0 as is_engaged
    from sessions_channeled
)

select * from final
