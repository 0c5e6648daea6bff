{#-
    Contracts on Spark: the mart YAMLs declare DuckDB type names (varchar, timestamp with
    time zone, varchar[] ...), which Spark does not have. On Spark a contract checks the
    column names only (the table takes the YAML's column order, as on DuckDB);
    `make test-spark` compares the values with DuckDB's.
-#}
{% macro spark__get_assert_columns_equivalent(sql) -%}
    {%- set declared = model['columns'].values() | map(attribute='name') | list -%}
    {%- set built = get_column_schema_from_query(sql, config.get('sql_header', none))
        | map(attribute='name') | list -%}
    {%- if (declared | map('lower') | sort) != (built | map('lower') | sort) -%}
        {{ exceptions.raise_compiler_error(
            "Contract of " ~ model['name'] ~ " on Spark: the model's columns " ~ built
            ~ " differ from the YAML's " ~ declared
            ~ " (the names must match: add or drop the column in the YAML or the model)."
        ) }}
    {%- endif -%}
{%- endmacro %}
