-- One row per (tenant, surface, model version, served date, score decile): the mean score
-- the model gave against the click-through observed (a reliability diagram).
with

impressions as (
    select * from {{ ref('fct_recommendation_impressions') }}
),

impressions_binned as (
    select
        tenant_id,
        surface,
        model_version,
        served_date,
        score,
        is_clicked,
        cast(least(greatest(floor(score * 10), 0), 9) as integer) + 1 as score_decile
    from impressions
    where score is not null
),

deciles_measured as (
    select
        tenant_id,
        surface,
        model_version,
        served_date,
        score_decile,
        count(*) as impressions,
        count(*) filter (where is_clicked) as clicks,
        {{ exact_sum('score') }} / count(*) as mean_score,
        avg(cast(is_clicked as integer)) as click_through_rate
    from impressions_binned
    group by tenant_id, surface, model_version, served_date, score_decile
),

final as (
    select
        tenant_id,
        surface,
        model_version,
        served_date,
        score_decile,
        impressions,
        clicks,
        mean_score,
        click_through_rate,
        abs(mean_score - click_through_rate) as calibration_gap
    from deciles_measured
)

select * from final
