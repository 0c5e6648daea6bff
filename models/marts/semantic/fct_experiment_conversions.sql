-- One row per (tenant, experiment, person) analyzed: the variant, first exposure and
-- whether the person converted (an Order Completed in the experiment's conversion window
-- after first exposure: metric `converted` of fct_experiment_person_metrics).
with

assignments as (
    select * from {{ ref('fct_experiment_assignments') }}
),

person_metrics as (
    select * from {{ ref('fct_experiment_person_metrics') }}
),

conversions as (
    select
        tenant_id,
        experiment_id,
        person_id,
        metric_value
    from person_metrics
    where metric_id = 'converted'
),

final as (
    select
        assignments.tenant_id,
        assignments.experiment_id,
        assignments.person_id,
        assignments.variant_id,
        assignments.first_exposed_at,
        assignments.first_exposure_platform,
        conversions.metric_value > 0 as is_converted
    from assignments
    inner join conversions
        on
            assignments.tenant_id = conversions.tenant_id
            and assignments.experiment_id = conversions.experiment_id
            and assignments.person_id = conversions.person_id
)

select * from final
