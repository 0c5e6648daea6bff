{#- Pre-hook of an incremental model whose incremental SQL reads columns of its own rows: a
    clear error, naming the command that rebuilds it, when the table was built before it had
    them (dbt would otherwise fail on a missing column, or on_schema_change on the new ones).
    Nothing on a first build or a full refresh. -#}
{% macro written_columns_required(columns) -%}
    {%- if columns is string or not columns -%}
        {{ exceptions.raise_compiler_error(
            "written_columns_required needs columns: a list of column names, such as "
            ~ "['_loaded_at']"
        ) }}
    {%- endif -%}
    {%- if execute and is_incremental() -%}
        {%- set written_columns = adapter.get_columns_in_relation(this) | map(attribute='name')
            | map('lower') | list -%}
        {%- set missing = columns | map('lower') | reject('in', written_columns) | list -%}
        {%- if missing -%}
            {{ exceptions.raise_compiler_error(
                this ~ ' lacks the column' ~ ('s ' if missing | length > 1 else ' ')
                ~ (missing | join(', ')) ~ ': it was built by an '
                ~ 'earlier version of the model. Rebuild it once with `dbt run --full-refresh '
                ~ '--select ' ~ this.identifier ~ '`.'
            ) }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}
