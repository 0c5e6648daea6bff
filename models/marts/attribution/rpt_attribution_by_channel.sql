with

credits as (
    select * from {{ ref('fct_attribution_credits') }}
),

tenants as (
    select * from {{ ref('tenants') }}
),

credits_dated as (
    select
        credits.tenant_id,
        credits.attribution_model,
        credits.channel,
        credits.conversion_name,
        credits.currency,
        credits.conversion_id,
        credits.touch_id,
        credits.credit,
        credits.revenue_credit,
        (
            credits.converted_at at time zone coalesce(tenants.time_zone, 'UTC')
        )::date as conversion_date
    from credits
    left join tenants
        on credits.tenant_id = tenants.tenant_id
),

credits_summed as (
    select
        tenant_id,
        attribution_model,
        channel,
        conversion_name,
        conversion_date,
        currency,
        -- summed in a fixed order, so reruns give the same floating-point result
        sum(credit order by conversion_id, touch_id) as conversions_credited,
        sum(revenue_credit order by conversion_id, touch_id) as revenue_credited
    from credits_dated
    group by all
),

final as (
    select
        tenant_id,
        attribution_model,
        channel,
        conversion_name,
        conversion_date,
        currency,
        conversions_credited,
        revenue_credited
    from credits_summed
)

select * from final
