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
        {{ local_date("coalesce(tenants.time_zone, 'UTC')", 'credits.converted_at') }}
            as conversion_date
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
        {{ sum_ordered('credit', ['conversion_id', 'touch_id']) }} as conversions_credited,
        {{ sum_ordered('revenue_credit', ['conversion_id', 'touch_id']) }} as revenue_credited
    from credits_dated
    group by
        tenant_id, attribution_model, channel, conversion_name, conversion_date, currency
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
