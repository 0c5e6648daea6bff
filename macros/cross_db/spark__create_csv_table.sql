{#-
    Seeds on Spark: the seed YAMLs' column_types use DuckDB names (varchar, timestamptz,
    integer ...); translate them to Spark's before dbt-spark's create table.
-#}
{% macro spark__create_csv_table(model, agate_table) %}
    {%- set spark_types = {
        'varchar': 'string', 'text': 'string', 'timestamptz': 'timestamp',
        'timestamp with time zone': 'timestamp', 'integer': 'int', 'bigint': 'bigint',
        'double': 'double', 'boolean': 'boolean', 'date': 'date'
    } -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set quote_seed_column = model['config'].get('quote_columns', None) -%}
    {%- set translated = {} -%}
    {%- for name, type in column_override.items() -%}
        {%- do translated.update({name: spark_types.get(type | lower, type)}) -%}
    {%- endfor -%}
    {%- do model['config'].update({'column_types': translated}) -%}
    {% set sql %}
        create table {{ this.render() }} (
            {%- for col_name in agate_table.column_names -%}
                {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
                {%- set type = translated.get(col_name, inferred_type) -%}
                {{ adapter.quote_seed_column(col_name | string, quote_seed_column) }} {{ type }}
                {{- ',' if not loop.last }}
            {%- endfor -%}
        )
        {{ file_format_clause() }}
        {{ location_clause() }}
        {{ comment_clause() }}
    {% endset %}
    {% call statement('_') -%}
        {{ sql }}
    {%- endcall %}
    {{ return(sql) }}
{% endmacro %}
