-- Does a recommendation model version lift conversion?
-- One row per tenant and model version of the exp_rec_model experiment (its variants are
-- the model versions): persons assigned, converted (an order within the conversion window
-- after first exposure) and the conversion rate, the effect against the control version
-- with its interval and p-value (rpt_experiment_results, no CUPED), and the click-through
-- rate of the items that version served to everyone (fct_recommendation_impressions).
with

results as (
    select * from {{ ref('rpt_experiment_results') }}
),

impressions as (
    select * from {{ ref('fct_recommendation_impressions') }}
),

conversion_results as (
    select
        tenant_id,
        variant_id as model_version,
        is_control,
        n as persons,
        mean as conversion_rate,
        relative_difference,
        relative_ci_lower,
        relative_ci_upper,
        p_value,
        is_significant
    from results
    where
        experiment_id = 'exp_rec_model'
        and metric_id = 'converted'
        and adjustment = 'none'
        and dimension_name = 'overall'
),

clicks_counted as (
    select
        tenant_id,
        model_version,
        count(*) as impressions,
        count(*) filter (where is_clicked) as clicked_impressions
    from impressions
    group by tenant_id, model_version
),

final as (
    select
        conversion_results.tenant_id,
        conversion_results.model_version,
        conversion_results.is_control,
        conversion_results.persons,
        conversion_results.conversion_rate,
        conversion_results.relative_difference,
        conversion_results.relative_ci_lower,
        conversion_results.relative_ci_upper,
        conversion_results.p_value,
        conversion_results.is_significant,
        clicks_counted.impressions,
        clicks_counted.clicked_impressions,
        round(conversion_results.persons * conversion_results.conversion_rate)::bigint
            as converted_persons,
        clicks_counted.clicked_impressions
        / nullif(clicks_counted.impressions, 0) as click_through_rate
    from conversion_results
    left join clicks_counted
        on
            conversion_results.tenant_id = clicks_counted.tenant_id
            and conversion_results.model_version = clicks_counted.model_version
)

select * from final
order by tenant_id, model_version
