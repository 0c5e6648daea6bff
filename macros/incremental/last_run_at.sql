{#- The transaction start of an incremental model's last run, as a scalar subquery: the newest
    `written_at` (the model's own write-time column) of its rows. An older one when the last
    run wrote nothing, which only widens what a run takes again; the lowest timestamp when
    the table is empty. In a hook, `excluding_this_run` leaves out the rows this run wrote
    (they carry its transaction start, which current_timestamp returns there: dbt-duckdb
    runs an incremental model's hooks in its transaction), giving the run before. Only for
    incremental runs (it reads `this`). -#}
{% macro last_run_at(written_at, excluding_this_run=false) -%}
    (
        select coalesce(max(written_before.{{ written_at }}), {{ timestamp_lowest() }})
        from {{ this }} as written_before
        {%- if excluding_this_run %}
        where written_before.{{ written_at }} < {{ dbt.current_timestamp() }}
        {%- endif %}
    )
{%- endmacro %}
