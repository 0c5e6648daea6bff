-- One row per (tenant, experiment, variant, metric, dimension slice): the sufficient
-- statistics the results are computed from. Every registered variant has a row in the
-- overall slice, with n = 0 when nobody was assigned to it.
with

person_metrics as (
    select * from {{ ref('fct_experiment_person_metrics') }}
),

experiments as (
    select * from {{ ref('experiments') }}
),

experiment_variants as (
    select * from {{ ref('experiment_variants') }}
),

experiment_metrics as (
    select * from {{ ref('experiment_metrics') }}
),

metric_definitions as (
    select * from {{ ref('experiment_metric_definitions') }}
),

person_metrics_sliced as (
    select
        person_metrics.*,
        'overall' as dimension_name,
        'all' as dimension_value
    from person_metrics
    union all
    select
        person_metrics.*,
        experiments.dimension as dimension_name,
        coalesce(person_metrics.first_exposure_platform, 'unknown')
            as dimension_value
    from person_metrics
    inner join experiments
        on
            person_metrics.tenant_id = experiments.tenant_id
            and person_metrics.experiment_id = experiments.experiment_id
    where experiments.dimension = 'platform'
),

statistics_aggregated as (
    select
        tenant_id,
        experiment_id,
        variant_id,
        metric_id,
        dimension_name,
        dimension_value,
        count(*) as n,
        {{ exact_sum('metric_value') }} as metric_sum,
        {{ exact_sum('metric_value * metric_value') }} as metric_sum_squares,
        {{ exact_sum('denominator_value') }} as denominator_sum,
        {{ exact_sum('denominator_value * denominator_value') }} as denominator_sum_squares,
        {{ exact_sum('metric_value * denominator_value') }} as metric_denominator_sum_products,
        {{ exact_sum('pre_exposure_value') }} as pre_exposure_sum,
        {{ exact_sum('pre_exposure_value * pre_exposure_value') }}
            as pre_exposure_sum_squares,
        {{ exact_sum('metric_value * pre_exposure_value') }}
            as metric_pre_exposure_sum_products
    from person_metrics_sliced
    group by
        tenant_id,
        experiment_id,
        variant_id,
        metric_id,
        dimension_name,
        dimension_value
),

registered_overall as (
    select
        experiment_variants.tenant_id,
        experiment_variants.experiment_id,
        experiment_variants.variant_id,
        experiment_metrics.metric_id,
        'overall' as dimension_name,
        'all' as dimension_value
    from experiment_variants
    inner join experiment_metrics
        on
            experiment_variants.tenant_id = experiment_metrics.tenant_id
            and experiment_variants.experiment_id = experiment_metrics.experiment_id
),

slices as (
    select
        tenant_id,
        experiment_id,
        variant_id,
        metric_id,
        dimension_name,
        dimension_value
    from registered_overall
    union
    select
        tenant_id,
        experiment_id,
        variant_id,
        metric_id,
        dimension_name,
        dimension_value
    from statistics_aggregated
),

final as (
    select
        slices.tenant_id,
        slices.experiment_id,
        slices.variant_id,
        slices.metric_id,
        slices.dimension_name,
        slices.dimension_value,
        metric_definitions.metric_type,
        experiment_metrics.metric_role,
        slices.variant_id = experiments.control_variant_id as is_control,
        coalesce(statistics_aggregated.n, 0) as n,
        coalesce(statistics_aggregated.metric_sum, 0) as metric_sum,
        coalesce(statistics_aggregated.metric_sum_squares, 0)
            as metric_sum_squares,
        coalesce(statistics_aggregated.denominator_sum, 0) as denominator_sum,
        coalesce(statistics_aggregated.denominator_sum_squares, 0)
            as denominator_sum_squares,
        coalesce(statistics_aggregated.metric_denominator_sum_products, 0)
            as metric_denominator_sum_products,
        coalesce(statistics_aggregated.pre_exposure_sum, 0) as pre_exposure_sum,
        coalesce(statistics_aggregated.pre_exposure_sum_squares, 0)
            as pre_exposure_sum_squares,
        coalesce(statistics_aggregated.metric_pre_exposure_sum_products, 0)
            as metric_pre_exposure_sum_products
    from slices
    inner join experiments
        on
            slices.tenant_id = experiments.tenant_id
            and slices.experiment_id = experiments.experiment_id
    inner join experiment_metrics
        on
            slices.tenant_id = experiment_metrics.tenant_id
            and slices.experiment_id = experiment_metrics.experiment_id
            and slices.metric_id = experiment_metrics.metric_id
    inner join metric_definitions
        on slices.metric_id = metric_definitions.metric_id
    left join statistics_aggregated
        on
            slices.tenant_id = statistics_aggregated.tenant_id
            and slices.experiment_id = statistics_aggregated.experiment_id
            and slices.variant_id = statistics_aggregated.variant_id
            and slices.metric_id = statistics_aggregated.metric_id
            and slices.dimension_name = statistics_aggregated.dimension_name
            and slices.dimension_value = statistics_aggregated.dimension_value
)

select * from final
