{#-
    Seeds on Spark: dbt-spark's session cursor formats an empty CSV cell (None) as the
    string 'None'. Render every value as an SQL literal instead: empty cells are null.
-#}
{% macro spark__load_csv_rows(model, agate_table) %}
    {%- set column_types = spark_seed_column_types(model) -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {% set sql %}
            insert into {{ this.render() }} values
            {% for row in chunk -%}
                ({%- for value in row -%}
                    {%- set col_name = agate_table.column_names[loop.index0] -%}
                    {%- set type = column_types.get(
                        col_name, adapter.convert_type(agate_table, loop.index0)
                    ) -%}
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
