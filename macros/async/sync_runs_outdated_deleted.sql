{#- Pre-hook of fct_sync_runs (incremental runs; nothing on a first build): deletes the runs
    to summarize again, which the model then derives as the staged syncs without a row: the
    syncs with an event fct_events wrote since the model's last run (new, re-staged, or its
    person or device changed) and the runs whose event count differs from the staged one (an
    event whose kept copy is no longer a sync event, or carries another sync id, leaves its
    former sync; a sync with no event left leaves the model). -#}
{% macro sync_runs_outdated_deleted(syncs, events) -%}
    {%- if not syncs or not events -%}
        {{ exceptions.raise_compiler_error(
            "sync_runs_outdated_deleted needs syncs (ref('stg_segment__syncs')) and events "
            ~ "(ref('fct_events'))"
        ) }}
    {%- endif -%}
    {%- if is_incremental() -%}
    {{- written_columns_required(['_event_count', '_summarized_at']) }}
    delete from {{ this }} as summarized
    using (
        select
            syncs.tenant_id,
            syncs.sync_id
        from {{ syncs }} as syncs
        inner join {{ events }} as events
            on
                syncs.tenant_id = events.tenant_id
                and syncs.event_id = events.event_id
        where
            syncs.sync_id is not null
            and {{ written_after_last_run('events._written_at', '_summarized_at') }}
        union
        select
            summarized_before.tenant_id,
            summarized_before.sync_id
        from {{ this }} as summarized_before
        left join (
            select
                tenant_id,
                sync_id,
                count(*) as event_count
            from {{ syncs }}
            where sync_id is not null
            group by tenant_id, sync_id
        ) as staged
            on
                summarized_before.tenant_id = staged.tenant_id
                and summarized_before.sync_id = staged.sync_id
        where staged.event_count is distinct from summarized_before._event_count
    ) as outdated
    where
        summarized.tenant_id = outdated.tenant_id
        and summarized.sync_id = outdated.sync_id
    {%- endif -%}
{%- endmacro %}
