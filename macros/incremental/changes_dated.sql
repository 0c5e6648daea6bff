{#- A select of every row of `rows` (a CTE in scope) plus `dated_column`: when the row's
    `compared_columns` last changed. A row of the table this build replaces (`this`, found by
    `key_columns`) with the same values keeps its date; a new or changed row is dated with
    the build's transaction start, and so is every row on a first build, when the replaced
    table has no such column yet, on Spark (whose incremental models are rebuilt whole and
    read no dates) and in a unit test (no `this`). For table models recomputed whole whose
    downstream incremental models take again only what changed since their own last run. -#}
{% macro changes_dated(rows, key_columns, compared_columns, dated_column) -%}
    {%- if not rows or key_columns is string or not key_columns
        or compared_columns is string or not compared_columns or not dated_column -%}
        {{ exceptions.raise_compiler_error(
            "changes_dated needs rows (a CTE name), key_columns and compared_columns (lists "
            ~ "of column names) and dated_column (the name of the date column)"
        ) }}
    {%- endif -%}
    {%- set replaced = load_relation(this)
        if execute and this is not none and incremental_materialization() == 'incremental'
        else none -%}
    {%- set replaced_columns = adapter.get_columns_in_relation(replaced)
        | map(attribute='name') | map('lower') | list if replaced else [] -%}
    select
        {{ rows }}.*,
        {%- if dated_column | lower in replaced_columns %}
        case
            when
                replaced.{{ key_columns[0] }} is not null
                {%- for column in compared_columns %}
                and replaced.{{ column }} is not distinct from {{ rows }}.{{ column }}
                {%- endfor %}
                then replaced.{{ dated_column }}
            else {{ dbt.current_timestamp() }}
        end as {{ dated_column }}
    from {{ rows }}
    left join {{ replaced }} as replaced
        on
            {%- for column in key_columns %}
            {{ 'and ' if not loop.first }}{{ rows }}.{{ column }} = replaced.{{ column }}
            {%- endfor %}
        {%- else %}
        {{ dbt.current_timestamp() }} as {{ dated_column }}
    from {{ rows }}
    {%- endif %}
{%- endmacro %}
