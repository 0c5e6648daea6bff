-- The experiment registry is usable: every experiment has its control among its variants,
-- at least two variants with positive weights and a primary metric; every variant and
-- metric row belongs to a registered experiment; a ratio metric names a denominator; a
-- conversion window, when set, is positive. Each failing row says what to fix.
with

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

variants_per_experiment as (
    select
        experiments.tenant_id,
        experiments.experiment_id,
        count(experiment_variants.variant_id) filter (
            where experiment_variants.weight > 0
        ) as weighted_variants,
        count(experiment_variants.variant_id) filter (
            where experiment_variants.variant_id = experiments.control_variant_id
        ) as control_variants,
        count(experiment_variants.variant_id) filter (
            where experiment_variants.weight < 0
        ) as negative_weights
    from experiments
    left join experiment_variants
        on
            experiments.tenant_id = experiment_variants.tenant_id
            and experiments.experiment_id = experiment_variants.experiment_id
    group by experiments.tenant_id, experiments.experiment_id
),

primary_metrics as (
    select
        experiments.tenant_id,
        experiments.experiment_id,
        count(experiment_metrics.metric_id) filter (
            where experiment_metrics.metric_role = 'primary'
        ) as primary_count
    from experiments
    left join experiment_metrics
        on
            experiments.tenant_id = experiment_metrics.tenant_id
            and experiments.experiment_id = experiment_metrics.experiment_id
    group by experiments.tenant_id, experiments.experiment_id
),

problems as (
    select
        tenant_id,
        experiment_id,
        'add the control variant to experiment_variants' as problem
    from variants_per_experiment
    where control_variants = 0
    union all
    select
        tenant_id,
        experiment_id,
        'give at least two variants a positive weight' as problem
    from variants_per_experiment
    where weighted_variants < 2
    union all
    select
        tenant_id,
        experiment_id,
        'weights must not be negative' as problem
    from variants_per_experiment
    where negative_weights > 0
    union all
    select
        tenant_id,
        experiment_id,
        'mark one metric primary in experiment_metrics' as problem
    from primary_metrics
    where primary_count = 0
    union all
    select
        tenant_id,
        experiment_id,
        'conversion_window_hours must be positive (or empty for none)' as problem
    from experiments
    where conversion_window_hours <= 0
    union all
    select
        experiment_variants.tenant_id,
        experiment_variants.experiment_id,
        'variant ' || experiment_variants.variant_id
        || ' belongs to no row of experiments' as problem
    from experiment_variants
    anti join experiments
        on
            experiment_variants.tenant_id = experiments.tenant_id
            and experiment_variants.experiment_id = experiments.experiment_id
    union all
    select
        experiment_metrics.tenant_id,
        experiment_metrics.experiment_id,
        'metric ' || experiment_metrics.metric_id
        || ' belongs to no row of experiments' as problem
    from experiment_metrics
    anti join experiments
        on
            experiment_metrics.tenant_id = experiments.tenant_id
            and experiment_metrics.experiment_id = experiments.experiment_id
    union all
    select
        null as tenant_id,
        null as experiment_id,
        'ratio metric ' || metric_id || ' needs a denominator' as problem
    from metric_definitions
    where metric_type = 'ratio' and denominator is null
)

select * from problems
