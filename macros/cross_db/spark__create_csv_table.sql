{#-
    Seeds on Spark: the seed YAMLs' column_types use DuckDB names (varchar, timestamptz,
    integer ...); translate them to Spark's before dbt-spark's create table.
-#}
{% macro spark__create_csv_table(model, agate_table) %}
    {%- set translated = spark_seed_column_types(model) -%}
    {%- set quote_seed_column = model['config'].get('quote_columns', None) -%}
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

{#- The seed's column_types with DuckDB type names translated to Spark's. -#}
{% macro spark_seed_column_types(model) %}
    {%- set spark_types = {
        'varchar': 'string', 'text': 'string', 'timestamptz': 'timestamp',
        'timestamp with time zone': 'timestamp', 'integer': 'int', 'bigint': 'bigint',
        'double': 'double', 'boolean': 'boolean', 'date': 'date'
    } -%}
    {%- set translated = {} -%}
    {%- for name, type in model['config'].get('column_types', {}).items() -%}
        {%- do translated.update({name: spark_types.get(type | lower, type)}) -%}
    {%- endfor -%}
    {{ return(translated) }}
{% endmacro %}
