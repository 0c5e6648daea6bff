-- Invariant: for every conversion and attribution model the credits sum to 1 (a
-- conversion without any touch in the lookback window gets one '(no touch)' credit).
-- A row here is a conversion whose credit is lost or counted twice: check the model's
-- CASE in fct_attribution_credits.
with

conversions as (
    select * from {{ ref('fct_conversions') }}
),

credits as (
    select * from {{ ref('fct_attribution_credits') }}
),

models as (
    select distinct attribution_model from credits
),

credits_summed as (
    select
        tenant_id,
        conversion_id,
        attribution_model,
        sum(credit) as credit_total
    from credits
    group by all
),

totals_checked as (
    select
        conversions.tenant_id,
        conversions.conversion_id,
        models.attribution_model,
        coalesce(credits_summed.credit_total, 0) as credit_total
    from conversions
    cross join models
    left join credits_summed
        on
            conversions.tenant_id = credits_summed.tenant_id
            and conversions.conversion_id = credits_summed.conversion_id
            and models.attribution_model = credits_summed.attribution_model
)

select * from totals_checked
where abs(credit_total - 1) > 1e-9
