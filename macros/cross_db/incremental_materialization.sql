{#-
    The materialization of the incremental models: `incremental`, except on Spark with
    plain Parquet tables, which cannot delete rows (delete+insert): there they are rebuilt
    whole as tables.
-#}
{% macro incremental_materialization() %}
    {{ return(adapter.dispatch('incremental_materialization', 'signalhouse')()) }}
{% endmacro %}

{% macro default__incremental_materialization() %}
    {{ return('incremental') }}
{% endmacro %}

{% macro spark__incremental_materialization() %}
    {{ return('table') }}
{% endmacro %}
