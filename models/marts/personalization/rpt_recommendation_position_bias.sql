-- One row per (tenant, surface, model version, served date, rank): click-through at the
-- position and relative to rank 1 of the same group (the position-bias curve).
with

impressions as (
    select * from {{ ref('fct_recommendation_impressions') }}
),

ranks_counted as (
    select
        tenant_id,
        surface,
        model_version,
        served_date,
        rank,
        count(*) as impressions,
        count(*) filter (where is_clicked) as clicks
    from impressions
    group by tenant_id, surface, model_version, served_date, rank
),

ranks_compared as (
    select
        tenant_id,
        surface,
        model_version,
        served_date,
        rank,
        impressions,
        clicks,
        clicks / impressions as click_through_rate,
        (clicks / impressions) / nullif(
            max(case when rank = 1 then clicks / impressions end) over (
                partition by tenant_id, surface, model_version, served_date
            ),
            0
        ) as click_through_relative_to_rank_1
    from ranks_counted
)

select * from ranks_compared
