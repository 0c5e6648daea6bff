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
        -- summed as DECIMAL, exact whatever order the rows arrive in, so reruns give the same
        -- result (a sum ordered by conversion and touch kept every group's rows in memory and
        -- ran out of a 1 GiB memory limit at 10M events, issue #12)
        cast(sum(cast(credit as decimal(38, 18))) as double) as conversions_credited,
        cast(sum(cast(revenue_credit as decimal(38, 18))) as double) as revenue_credited
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
