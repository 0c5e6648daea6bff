-- DuckDB SQL, as analysts query the warehouse: not compiled on Spark (README "### Spark").
{{ config(enabled=target.type != 'spark') }}

-- Does a recommendation model version lift conversion?
-- One row per tenant and model version of the exp_rec_model experiment (its variants are
-- the model versions): persons assigned, converted (an order within the conversion window
-- after first exposure) and the conversion rate, the effect on conversion against the
-- control version with its interval and p-value (rpt_experiment_results, no CUPED), beside
-- what the version's persons clicked and the click-through lift
-- (rpt_recommendation_model_lift).
with

results as (
    select * from {{ ref('rpt_experiment_results') }}
),

click_lift as (
    select * from {{ ref('rpt_recommendation_model_lift') }}
),

conversion_results as (
    select
        tenant_id,
        experiment_id,
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

final as (
    select
        conversion_results.tenant_id,
        conversion_results.model_version,
        conversion_results.is_control,
        conversion_results.persons,
        conversion_results.conversion_rate,
        conversion_results.relative_difference as conversion_lift,
        conversion_results.relative_ci_lower as conversion_lift_ci_lower,
        conversion_results.relative_ci_upper as conversion_lift_ci_upper,
        conversion_results.p_value as conversion_p_value,
        conversion_results.is_significant as is_conversion_lift_significant,
        click_lift.impressions,
        click_lift.clicks,
        click_lift.click_through_rate,
        click_lift.click_through_lift,
        round(conversion_results.persons * conversion_results.conversion_rate)::bigint
            as converted_persons
    from conversion_results
    left join click_lift
        on
            conversion_results.tenant_id = click_lift.tenant_id
            and conversion_results.experiment_id = click_lift.experiment_id
            and conversion_results.model_version = click_lift.model_version
)

select * from final
order by tenant_id, model_version
