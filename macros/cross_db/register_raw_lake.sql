{#-
    on-run-start: on Spark, (re)register the raw tables that dbt's sources read as external
    Parquet tables over the lake (env SIGNALHOUSE_SPARK_RAW, default warehouse/spark/lake;
    written by `python -m ingest.lake`). Dropping an external table keeps its files. Nothing
    to do on DuckDB, where ingest writes raw.* itself.
-#}
{% macro register_raw_lake() %}
    {{ return(adapter.dispatch('register_raw_lake', 'signalhouse')()) }}
{% endmacro %}

{% macro default__register_raw_lake() %}
    {{ return('') }}
{% endmacro %}

{% macro spark__register_raw_lake() %}
    {%- if execute -%}
        {%- set lake = env_var('SIGNALHOUSE_SPARK_RAW', 'warehouse/spark/lake') | replace("'", "\\'") -%}
        {%- set source_schema = source('segment', 'events').schema -%}
        {% do run_query('create database if not exists ' ~ source_schema) %}
        {%- for table in ['events', 'quarantine', 'files', 'ingest_runs'] %}
            {% do run_query('drop table if exists ' ~ source_schema ~ '.' ~ table) %}
            {% do run_query(
                'create table ' ~ source_schema ~ '.' ~ table ~ " using parquet location '"
                ~ lake ~ '/' ~ table ~ "'"
            ) %}
        {%- endfor %}
    {%- endif -%}
    {{ return('') }}
{% endmacro %}
