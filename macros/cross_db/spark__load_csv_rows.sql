{#-
    Seeds on Spark. With a local session (host: local) Spark reads the CSV file itself, as DuckDB does:
    an empty cell is null, and the text `null` or `none` stays text (dbt's CSV reader, agate,
    makes them null, and dbt-spark's session cursor then wrote the string 'None'). On a
    cluster, where the project's files are not on Spark's disk, the values agate read are
    rendered as SQL literals.
-#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_types = spark_seed_column_types(model) -%}
    {%- set types = [] -%}
    {%- for col_name in agate_table.column_names -%}
        {%- do types.append(
            column_types.get(col_name, adapter.convert_type(agate_table, loop.index0))
        ) -%}
    {%- endfor -%}
    {#- profiles.yml's session output says host: local (target has no `method`). -#}
    {%- if target.host == 'local' -%}
        {%- set path = (model['root_path'] ~ '/' ~ model['original_file_path'])
            | replace("\\", "\\\\") | replace("'", "\\'") -%}
        {%- set view = model['name'] ~ '__csv' -%}
        {% do run_query(
            'create or replace temporary view ' ~ view ~ " using csv options (path '" ~ path
            ~ "', header 'true', nullValue '', emptyValue '')"
        ) %}
        {% set sql %}
            insert into {{ this.render() }}
            select
            {%- for col_name in agate_table.column_names %}
                cast(`{{ col_name }}` as {{ types[loop.index0] }}){{ ',' if not loop.last }}
            {%- endfor %}
            from {{ view }}
        {% endset %}
        {%- do run_query(sql) -%}
        {{ return(sql) }}
    {%- endif -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {% set sql %}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for value in row -%}
                    {%- set type = types[loop.index0] -%}
                    {%- if value is none -%}
                        cast(null as {{ type }})
                    {%- elif value is number and value is not boolean -%}
                        cast({{ value }} as {{ type }})
                    {%- else -%}
                        cast('{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}' as {{ type }})
                    {%- endif -%}
                    {{- ',' if not loop.last }}
                {%- endfor -%})
                {{- ',' if not loop.last }}
            {% endfor %}
        {% endset %}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0]) }}
{% endmacro %}
