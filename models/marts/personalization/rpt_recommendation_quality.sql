-- One row per (tenant, surface, model version, served date): click-through, CTR@k,
-- calibration error, exposure diversity and ranking stability of the lists served.
with

impressions as (
    select * from {{ ref('fct_recommendation_impressions') }}
),

calibration as (
    select * from {{ ref('rpt_recommendation_calibration') }}
),

groups_measured as (
    select
        tenant_id,
        surface,
        model_version,
        served_date,
        count(distinct event_id) as requests,
        count(*) as impressions,
        count(*) filter (where is_clicked) as clicks,
        count(*) filter (where is_converted) as converted_clicks,
        count(distinct item_id) as distinct_items_shown,
        count(*) filter (where is_clicked and rank <= 1)
        / nullif(count(*) filter (where rank <= 1), 0) as ctr_at_1,
        count(*) filter (where is_clicked and rank <= 3)
        / nullif(count(*) filter (where rank <= 3), 0) as ctr_at_3,
        count(*) filter (where is_clicked and rank <= 5)
        / nullif(count(*) filter (where rank <= 5), 0) as ctr_at_5,
        count(*) filter (where is_clicked and rank <= 10)
        / nullif(count(*) filter (where rank <= 10), 0) as ctr_at_10
    from impressions
    group by tenant_id, surface, model_version, served_date
),

-- The catalogue: every item any list of the tenant showed.
catalogue_sizes as (
    select
        tenant_id,
        count(distinct item_id) as catalogue_items
    from impressions
    group by tenant_id
),

item_exposures as (
    select
        tenant_id,
        surface,
        model_version,
        served_date,
        item_id,
        count(*) as exposures
    from impressions
    group by tenant_id, surface, model_version, served_date, item_id
),

-- Gini of exposure over the whole catalogue: items never shown count as zeros, which sort
-- first, so shown item j (ascending) has rank (catalogue - shown) + j.
item_exposures_ranked as (
    select
        item_exposures.tenant_id,
        item_exposures.surface,
        item_exposures.model_version,
        item_exposures.served_date,
        item_exposures.exposures,
        catalogue_sizes.catalogue_items,
        catalogue_sizes.catalogue_items
        - count(*)
            over (
                partition by
                    item_exposures.tenant_id,
                    item_exposures.surface,
                    item_exposures.model_version,
                    item_exposures.served_date
            )
        + row_number() over (
            partition by
                item_exposures.tenant_id,
                item_exposures.surface,
                item_exposures.model_version,
                item_exposures.served_date
            order by item_exposures.exposures, item_exposures.item_id
        ) as exposure_rank
    from item_exposures
    inner join catalogue_sizes
        on item_exposures.tenant_id = catalogue_sizes.tenant_id
),

gini_computed as (
    select
        tenant_id,
        surface,
        model_version,
        served_date,
        -- doubles: Spark's decimal division would round to 6 decimals
        2 * cast(sum(exposure_rank * exposures) as double)
        / cast(max(catalogue_items) * sum(exposures) as double)
        - (cast(max(catalogue_items) as double) + 1) / max(catalogue_items)
            as exposure_gini
    from item_exposures_ranked
    group by tenant_id, surface, model_version, served_date
),

calibration_errors as (
    select
        tenant_id,
        surface,
        model_version,
        served_date,
        {{ exact_sum('impressions * calibration_gap') }} / sum(impressions)
            as expected_calibration_error
    from calibration
    group by tenant_id, surface, model_version, served_date
),

-- Ranking stability: the top 5 of a request against the person's previous request on the
-- same surface in the same session.
top_items as (
    select
        tenant_id,
        event_id,
        person_id,
        session_id,
        surface,
        model_version,
        served_date,
        served_at,
        {{ list_agg_ordered_where('item_id', ['rank'], 'rank <= 5') }} as top_5_items
    from impressions
    where session_id is not null
    group by
        tenant_id,
        event_id,
        person_id,
        session_id,
        surface,
        model_version,
        served_date,
        served_at
),

top_items_paired as (
    select
        tenant_id,
        surface,
        model_version,
        served_date,
        top_5_items,
        lag(top_5_items) over (
            partition by tenant_id, person_id, session_id, surface
            order by served_at, event_id
        ) as previous_top_5_items
    from top_items
),

stability_measured as (
    select
        tenant_id,
        surface,
        model_version,
        served_date,
        count(*) as repeated_requests,
        avg(
            {{ list_length(list_intersect('top_5_items', 'previous_top_5_items')) }}
        ) / 5.0 as top_5_overlap
    from top_items_paired
    where previous_top_5_items is not null
    group by tenant_id, surface, model_version, served_date
),

final as (
    select
        groups_measured.tenant_id,
        groups_measured.surface,
        groups_measured.model_version,
        groups_measured.served_date,
        groups_measured.requests,
        groups_measured.impressions,
        groups_measured.clicks,
        groups_measured.converted_clicks,
        groups_measured.ctr_at_1,
        groups_measured.ctr_at_3,
        groups_measured.ctr_at_5,
        groups_measured.ctr_at_10,
        calibration_errors.expected_calibration_error,
        groups_measured.distinct_items_shown,
        catalogue_sizes.catalogue_items,
        gini_computed.exposure_gini,
        stability_measured.top_5_overlap,
        coalesce(stability_measured.repeated_requests, 0) as repeated_requests,
        groups_measured.clicks / groups_measured.impressions as click_through_rate,
        groups_measured.converted_clicks
        / nullif(groups_measured.clicks, 0) as click_conversion_rate,
        groups_measured.distinct_items_shown
        / catalogue_sizes.catalogue_items as catalogue_share_shown
    from groups_measured
    inner join catalogue_sizes
        on groups_measured.tenant_id = catalogue_sizes.tenant_id
    left join gini_computed
        on
            groups_measured.tenant_id = gini_computed.tenant_id
            and groups_measured.surface = gini_computed.surface
            and groups_measured.model_version = gini_computed.model_version
            and groups_measured.served_date = gini_computed.served_date
    left join calibration_errors
        on
            groups_measured.tenant_id = calibration_errors.tenant_id
            and groups_measured.surface = calibration_errors.surface
            and groups_measured.model_version = calibration_errors.model_version
            and groups_measured.served_date = calibration_errors.served_date
    left join stability_measured
        on
            groups_measured.tenant_id = stability_measured.tenant_id
            and groups_measured.surface = stability_measured.surface
            and groups_measured.model_version = stability_measured.model_version
            and groups_measured.served_date = stability_measured.served_date
)

select * from final
