-- One row per (tenant, experiment, model version) for experiments whose variants are model
-- versions: what the persons assigned to each version were served, clicked and bought after
-- a click, and the lift of each version over the experiment's control version.
with

impressions as (
    select * from {{ ref('fct_recommendation_impressions') }}
),

assignments as (
    select * from {{ ref('fct_experiment_assignments') }}
),

experiments as (
    select * from {{ ref('experiments') }}
),

model_versions as (
    select distinct
        tenant_id,
        model_version
    from impressions
),

model_assignments as (
    select
        assignments.tenant_id,
        assignments.experiment_id,
        assignments.person_id,
        assignments.variant_id as model_version,
        assignments.first_exposed_at
    from assignments
    inner join model_versions
        on
            assignments.tenant_id = model_versions.tenant_id
            and assignments.variant_id = model_versions.model_version
    where assignments.is_analyzed
),

versions_measured as (
    select
        model_assignments.tenant_id,
        model_assignments.experiment_id,
        model_assignments.model_version,
        count(distinct model_assignments.person_id) as persons,
        count(distinct impressions.event_id) as requests,
        count(impressions.item_id) as impressions,
        count(impressions.item_id) filter (where impressions.is_clicked) as clicks,
        count(impressions.item_id) filter (
            where impressions.is_converted
        ) as converted_clicks
    from model_assignments
    left join impressions
        on
            model_assignments.tenant_id = impressions.tenant_id
            and model_assignments.person_id = impressions.person_id
            and model_assignments.first_exposed_at <= impressions.served_at
    group by
        model_assignments.tenant_id,
        model_assignments.experiment_id,
        model_assignments.model_version
),

rates_computed as (
    select
        versions_measured.tenant_id,
        versions_measured.experiment_id,
        versions_measured.model_version,
        versions_measured.persons,
        versions_measured.requests,
        versions_measured.impressions,
        versions_measured.clicks,
        versions_measured.converted_clicks,
        versions_measured.model_version
        = experiments.control_variant_id as is_control,
        versions_measured.clicks
        / nullif(versions_measured.impressions, 0) as click_through_rate,
        versions_measured.converted_clicks
        / nullif(versions_measured.persons, 0) as click_conversions_per_person
    from versions_measured
    inner join experiments
        on
            versions_measured.tenant_id = experiments.tenant_id
            and versions_measured.experiment_id = experiments.experiment_id
),

final as (
    select
        tenant_id,
        experiment_id,
        model_version,
        is_control,
        persons,
        requests,
        impressions,
        clicks,
        converted_clicks,
        click_through_rate,
        click_conversions_per_person,
        click_through_rate / nullif(
            max(case when is_control then click_through_rate end) over (
                partition by tenant_id, experiment_id
            ),
            0
        ) - 1 as click_through_lift,
        click_conversions_per_person / nullif(
            max(case when is_control then click_conversions_per_person end) over (
                partition by tenant_id, experiment_id
            ),
            0
        ) - 1 as click_conversion_lift
    from rates_computed
)

select * from final
