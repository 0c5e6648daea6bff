-- One row per customer journey for path-based attribution (the Markov model): each
-- conversion with the channels of the same person's touches in the lookback window before
-- it, and each person's open journey (touches after their last conversion, in the lookback
-- window before their last touch) that has not converted.
with

conversions as (
    select * from {{ ref('fct_conversions') }}
),

touches as (
    select * from {{ ref('fct_attribution_touches') }}
),

converting_touches as (
    select
        conversions.tenant_id,
        conversions.conversion_id as path_id,
        conversions.person_id,
        touches.touch_id,
        touches.touched_at,
        touches.channel
    from conversions
    inner join touches
        on
            conversions.tenant_id = touches.tenant_id
            and conversions.person_id = touches.person_id
            and conversions.converted_at > touches.touched_at
            and touches.touched_at >= conversions.converted_at
            - {{ interval_days(var('attribution_lookback_days')) }}
),

persons_last_conversion as (
    select
        tenant_id,
        person_id,
        max(converted_at) as last_converted_at
    from conversions
    group by tenant_id, person_id
),

touches_after_conversions as (
    select
        touches.tenant_id,
        touches.person_id,
        touches.touch_id,
        touches.touched_at,
        touches.channel,
        max(touches.touched_at) over (
            partition by touches.tenant_id, touches.person_id
        ) as last_touched_at
    from touches
    left join persons_last_conversion
        on
            touches.tenant_id = persons_last_conversion.tenant_id
            and touches.person_id = persons_last_conversion.person_id
    where
        persons_last_conversion.last_converted_at is null
        or touches.touched_at >= persons_last_conversion.last_converted_at
),

open_touches as (
    select
        tenant_id,
        'open:' || person_id as path_id,
        person_id,
        touch_id,
        touched_at,
        channel
    from touches_after_conversions
    where
        touched_at >= last_touched_at
        - {{ interval_days(var('attribution_lookback_days')) }}
),

path_touches as (
    select * from converting_touches
    union all
    select * from open_touches
),

touches_sequenced as (
    select
        *,
        lag(channel) over (
            partition by tenant_id, path_id
            order by touched_at asc, touch_id asc
        ) as previous_channel,
        row_number() over (
            partition by tenant_id, path_id, channel
            order by touched_at asc, touch_id asc
        ) as channel_occurrence
    from path_touches
),

paths_aggregated as (
    select
        tenant_id,
        path_id,
        person_id,
        {{ list_agg_ordered('channel', ['touched_at', 'touch_id']) }} as channels,
        count(*) as touch_count,
        {{ list_agg_ordered(
            struct_of_columns(['touch_id', 'touched_at', 'channel']),
            ['touched_at', 'touch_id']
        ) }} as touches
    from touches_sequenced
    where {{ attribution_path_kept() }}
    group by tenant_id, path_id, person_id
),

open_paths as (
    select
        tenant_id,
        path_id,
        person_id,
        false as is_converted,
        cast(null as {{ dbt.type_string() }}) as conversion_id,
        cast(null as {{ type_timestamptz() }}) as converted_at,
        cast(null as {{ dbt.type_string() }}) as currency,
        cast(null as double) as revenue,
        channels,
        touch_count,
        touches
    from paths_aggregated
    where path_id like 'open:%'
),

converted_paths as (
    select
        conversions.tenant_id,
        conversions.conversion_id as path_id,
        conversions.person_id,
        true as is_converted,
        conversions.conversion_id,
        conversions.converted_at,
        conversions.currency,
        conversions.revenue,
        coalesce(paths_aggregated.channels, {{ empty_string_list() }}) as channels,
        coalesce(paths_aggregated.touch_count, 0) as touch_count,
        paths_aggregated.touches
    from conversions
    left join paths_aggregated
        on
            conversions.tenant_id = paths_aggregated.tenant_id
            and conversions.conversion_id = paths_aggregated.path_id
),

paths_unioned as (
    select * from converted_paths
    union all
    select * from open_paths
),

final as (
    select
        tenant_id,
        path_id,
        person_id,
        is_converted,
        conversion_id,
        converted_at,
        currency,
        revenue,
        channels,
        touch_count,
        touches
    from paths_unioned
)

select * from final
