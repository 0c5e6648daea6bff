{#- The staged events an incremental run of a model derived from stg_segment__events must
    derive again: every one whose staged row was (re)written since the model's newest
    `_loaded_at`, less the raw lookback. Staging rewrites an event only with a raw row loaded
    at or after its own newest row less that lookback, and its newest row is at least as new
    as this model's, so nothing it changed is older. Every staged event on a first build. -#}
{% macro staged_events_in_scope(staged_events) -%}
    select * from {{ staged_events }}
    {%- if is_incremental() %}
    where _loaded_at >= {{ loaded_watermark(this) }}
    {%- endif %}
{%- endmacro %}

{#- Pre-hook of such a model: its rows of the events in scope that staging has rewritten since
    (another `_loaded_at`: usually newer, older when the new winning copy was loaded earlier
    within the lookback) go first, so an event whose kept copy is no longer of the model's
    kind (a late, earlier-received copy of another type) leaves it; delete+insert alone would
    keep the old row. Rows staging did not rewrite stay: deleting them too would lower the
    model's newest `_loaded_at`, and with it widen the run's scope to the load before. Nothing
    on a first build; a clear error on a table built before it carried `_loaded_at`. -#}
{% macro staged_events_in_scope_deleted(staged_events) -%}
    {%- if is_incremental() -%}
    {{- written_columns_required(['_loaded_at']) }}
    delete from {{ this }} as written
    using ({{ staged_events_in_scope(staged_events) }}) as in_scope
    where
        written.tenant_id = in_scope.tenant_id
        and written.event_id = in_scope.event_id
        and written._loaded_at is distinct from in_scope._loaded_at
    {%- endif -%}
{%- endmacro %}
