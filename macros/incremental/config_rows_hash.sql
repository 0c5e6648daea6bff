{#- A scalar subquery: a hash of the rows of a configuration table (a seed), over `columns`.
    An incremental model that derives its rows with that configuration keeps the hash on
    them, to know when they were derived under another one. -#}
{% macro config_rows_hash(relation, columns) -%}
    {%- if not relation or columns is string or not columns -%}
        {{ exceptions.raise_compiler_error(
            "config_rows_hash needs relation (such as ref('funnel_steps')) and columns: the "
            ~ "list of the columns that change what the model derives"
        ) }}
    {%- endif -%}
    {%- set row_text -%}
        {%- for column in columns -%}
            coalesce(cast(config_rows.{{ column }} as {{ dbt.type_string() }}), '<null>')
            {%- if not loop.last %} || '|' || {% endif -%}
        {%- endfor -%}
    {%- endset %}
    (
        select {{ dbt.hash("coalesce(" ~ string_agg_sorted_distinct(row_text, "';'") ~ ", '')") }}
        from {{ relation }} as config_rows
    )
{%- endmacro %}

{#- An SQL condition for an incremental model whose rows keep config_rows_hash(relation,
    columns) in `column`: true when a row was derived under another configuration (every row
    must be derived again). False on a first build or a full refresh. -#}
{% macro config_rows_changed(relation, columns, column) -%}
    {%- if not column -%}
        {{ exceptions.raise_compiler_error(
            "config_rows_changed needs column: the model's column holding config_rows_hash"
        ) }}
    {%- endif -%}
    {%- if is_incremental() -%}
    exists (
        select 1
        from {{ this }} as derived_before
        where derived_before.{{ column }} is distinct from {{ config_rows_hash(relation, columns) }}
    )
    {%- else -%}
    false
    {%- endif -%}
{%- endmacro %}
