{#- The staged events an incremental run of a model derived from stg_segment__events must
    derive again: every one whose staged row was (re)written since the model's newest
    `_loaded_at`, less the raw lookback. Staging rewrites an event only with a raw row loaded
    at or after its own newest row less that lookback, and its newest row is at least as new
    as this model's, so nothing it changed is older. Every staged event on a first build. -#}
{% macro staged_events_in_scope(staged_events) -%}
    select * from {{ staged_events }}
    {%- if is_incremental() %}
    where _loaded_at >= (
        select
            coalesce(max(written._loaded_at), {{ timestamp_lowest() }})
            - {{ interval_minutes(var('raw_watermark_lookback_minutes')) }}
        from {{ this }} as written
    )
    {%- endif %}
{%- endmacro %}

{#- Pre-hook of such a model: its rows of the events in scope go first, so an event whose
    kept copy is no longer of the model's kind (a late, earlier-received copy of another
    type) leaves it; delete+insert alone would keep the old row. Nothing on a first build. -#}
{% macro staged_events_in_scope_deleted(staged_events) -%}
    {%- if is_incremental() -%}
    delete from {{ this }}
    where (tenant_id, event_id) in (
        select in_scope.tenant_id, in_scope.event_id
        from ({{ staged_events_in_scope(staged_events) }}) as in_scope
    )
    {%- endif -%}
{%- endmacro %}
