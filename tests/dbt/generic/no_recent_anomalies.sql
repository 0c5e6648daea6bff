{#- Fails (use severity: warn) with one row per anomaly of the given metric in the last
    recent_days complete days of each tenant, from a model shaped like rpt_anomalies
    (tenant_id, metric, metric_date, metric_value, baseline_mean, z_score, is_anomaly). -#}
{% test no_recent_anomalies(model, metric, recent_days=1) %}
    {%- if not metric -%}
        {{ exceptions.raise_compiler_error(
            "no_recent_anomalies needs metric: one of the metric names in " ~ model
        ) }}
    {%- endif %}

with

latest_days as (
    select
        tenant_id,
        max(metric_date) as last_metric_date
    from {{ model }}
    where metric = '{{ metric }}'
    group by tenant_id
)

select
    anomalies.tenant_id,
    anomalies.metric,
    anomalies.metric_date,
    anomalies.metric_value,
    anomalies.baseline_mean,
    anomalies.z_score
from {{ model }} as anomalies
inner join latest_days
    on anomalies.tenant_id = latest_days.tenant_id
where
    anomalies.metric = '{{ metric }}'
    and anomalies.is_anomaly
    and anomalies.metric_date > latest_days.last_metric_date - {{ recent_days }}

{% endtest %}
