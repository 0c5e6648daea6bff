{#- A scalar subquery: a hash of every tenant's time zone in seed tenants (`tenants`), UTC
    for a tenant without one. Models that store local dates keep it on their rows. -#}
{% macro tenant_time_zones_hash(tenants) -%}
    {%- if not tenants -%}
        {{ exceptions.raise_compiler_error(
            "tenant_time_zones_hash needs tenants: ref('tenants') or a CTE of it"
        ) }}
    {%- endif -%}
    (
        select
            {{ dbt.hash(
                "coalesce("
                ~ string_agg_sorted_distinct(
                    "zones.tenant_id || '=' || coalesce(zones.time_zone, 'UTC')", "','"
                )
                ~ ", '')"
            ) }}
        from {{ tenants }} as zones
    )
{%- endmacro %}

{#- An SQL condition for an incremental model whose rows keep tenant_time_zones_hash in
    `column`: true when a row was made with other time zones than the seed gives now (its
    local dates must all be derived again). False on a first build. -#}
{% macro tenant_time_zones_changed(tenants, column='_time_zones') -%}
    {%- if is_incremental() -%}
    exists (
        select 1
        from {{ this }} as zoned_before
        where zoned_before.{{ column }} is distinct from {{ tenant_time_zones_hash(tenants) }}
    )
    {%- else -%}
    false
    {%- endif -%}
{%- endmacro %}
