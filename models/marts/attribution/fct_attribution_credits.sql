-- Each conversion's credit split over its touches by every attribution model: the touches
-- of its journey in fct_attribution_paths (lookback window and path transform applied there).
with

conversions as (
    select * from {{ ref('fct_conversions') }}
),

converting_paths as (
    select * from {{ ref('fct_attribution_paths') }}
    where is_converted
),

path_touches as (
    select
        tenant_id,
        conversion_id,
        converted_at,
        {{ list_unnest('touches') }} as touch
    from converting_paths
),

touches_positioned as (
    select
        path_touches.tenant_id,
        path_touches.conversion_id,
        path_touches.touch.touch_id,
        path_touches.touch.touched_at,
        path_touches.touch.channel,
        row_number() over (
            partition by path_touches.tenant_id, path_touches.conversion_id
            order by path_touches.touch.touched_at asc, path_touches.touch.touch_id asc
        ) as touch_position,
        count(*) over (
            partition by path_touches.tenant_id, path_touches.conversion_id
        ) as touch_count,
        pow(
            0.5,
            (
                {{ epoch_seconds('path_touches.converted_at') }}
                - {{ epoch_seconds('path_touches.touch.touched_at') }}
            )
            / (86400.0 * {{ var('attribution_half_life_days') }})
        ) as decay_weight
    from path_touches
),

touches_flagged as (
    select
        *,
        touch_position = touch_count as is_last,
        -- the last touch whose channel is not Direct; the last touch when all are Direct
        touch_position = coalesce(
            max(
                case when channel != 'Direct' then touch_position end
            ) over (partition by tenant_id, conversion_id),
            touch_count
        ) as is_last_non_direct,
        -- summed in touch order over the whole path: reruns give the same result
        decay_weight / sum(decay_weight) over (
            partition by tenant_id, conversion_id
            order by touch_position asc
            rows between unbounded preceding and unbounded following
        ) as decay_share
    from touches_positioned
),

models as (
    select 'first_touch' as attribution_model
    union all
    select 'last_touch' as attribution_model
    union all
    select 'last_non_direct' as attribution_model
    union all
    select 'linear' as attribution_model
    union all
    select 'position_based' as attribution_model
    union all
    select 'time_decay' as attribution_model
),

credits_computed as (
    select
        touches_flagged.tenant_id,
        touches_flagged.conversion_id,
        models.attribution_model,
        touches_flagged.touch_id,
        touches_flagged.touched_at,
        touches_flagged.channel,
        touches_flagged.touch_position,
        touches_flagged.touch_count,
        case models.attribution_model
            when 'first_touch' then cast(touches_flagged.touch_position = 1 as double)
            when 'last_touch' then cast(touches_flagged.is_last as double)
            when 'last_non_direct' then cast(touches_flagged.is_last_non_direct as double)
            when 'linear' then 1.0 / touches_flagged.touch_count
            when 'position_based'
                then case
                    when touches_flagged.touch_count = 1 then 1.0
                    when touches_flagged.touch_count = 2 then 0.5
                    when touches_flagged.touch_position = 1 or touches_flagged.is_last
                        then 0.4
                    else 0.2 / (touches_flagged.touch_count - 2)
                end
            when 'time_decay' then touches_flagged.decay_share
        end as credit
    from touches_flagged
    cross join models
),

conversions_untouched as (
    select
        converting_paths.tenant_id,
        converting_paths.conversion_id,
        models.attribution_model,
        cast(null as {{ dbt.type_string() }}) as touch_id,
        cast(null as {{ type_timestamptz() }}) as touched_at,
        '(no touch)' as channel,
        0 as touch_position,
        0 as touch_count,
        1.0 as credit
    from converting_paths
    cross join models
    where converting_paths.touch_count = 0
),

credits_unioned as (
    select * from credits_computed
    where credit > 0
    union all
    select * from conversions_untouched
),

final as (
    select
        credits_unioned.tenant_id,
        credits_unioned.conversion_id,
        conversions.conversion_name,
        conversions.person_id,
        conversions.converted_at,
        credits_unioned.attribution_model,
        credits_unioned.touch_id,
        credits_unioned.touched_at,
        credits_unioned.channel,
        credits_unioned.touch_position,
        credits_unioned.touch_count,
        credits_unioned.credit,
        conversions.currency,
        credits_unioned.credit * conversions.revenue as revenue_credit
    from credits_unioned
    inner join conversions
        on
            credits_unioned.tenant_id = conversions.tenant_id
            and credits_unioned.conversion_id = conversions.conversion_id
)

select * from final
