-- DuckDB SQL, as analysts query the warehouse: not compiled on Spark (README "### Spark").
{{ config(enabled=target.type != 'spark') }}

-- Which channels get credit under each attribution model?
-- One row per tenant, attribution model and channel: conversions credited (fractions for
-- the multi-touch models), their share of the model's conversions, the channel's rank in
-- the model (ties: channel name) and the revenue credited per currency (not converted).
-- Summed over channels, every model credits the same conversions.
with

credits as (
    select * from {{ ref('rpt_attribution_by_channel') }}
),

channels_credited as (
    select
        tenant_id,
        attribution_model,
        channel,
        sum(conversions_credited) as conversions_credited,
        coalesce(sum(revenue_credited) filter (where currency = 'USD'), 0)
            as revenue_credited_usd,
        coalesce(sum(revenue_credited) filter (where currency = 'EUR'), 0)
            as revenue_credited_eur
    from credits
    group by tenant_id, attribution_model, channel
),

final as (
    select
        tenant_id,
        attribution_model,
        channel,
        conversions_credited,
        revenue_credited_usd,
        revenue_credited_eur,
        conversions_credited / sum(conversions_credited) over (
            partition by tenant_id, attribution_model
        ) as share_of_conversions,
        row_number() over (
            partition by tenant_id, attribution_model
            order by conversions_credited desc, channel asc
        ) as channel_rank
    from channels_credited
)

select * from final
order by tenant_id, attribution_model, channel_rank
