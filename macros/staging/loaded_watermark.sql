{#- The `_loaded_at` from which an incremental run reads its input again: the newest
    `_loaded_at` already written to `written` less the raw lookback, or the lowest timestamp
    when `written` is empty. A scalar subquery. -#}
{% macro loaded_watermark(written) -%}
    (
        select
            coalesce(max(written_rows._loaded_at), {{ timestamp_lowest() }})
            - {{ interval_minutes(var('raw_watermark_lookback_minutes')) }}
        from {{ written }} as written_rows
    )
{%- endmacro %}
