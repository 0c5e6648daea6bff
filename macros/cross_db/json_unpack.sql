{#-
    Parse the JSON text `json_column` into a nested struct shaped by `structure`: a mapping
    of field names to nested mappings or to a type name (VARCHAR, BOOLEAN, BIGINT, DOUBLE,
    TIMESTAMPTZ, or JSON for the value's JSON text), or a one-item list of one for an
    array. Read fields as `unpacked['context']['library']['name']`. A missing field, or a
    value that does not convert, is null.
-#}
{% macro json_unpack(json_column, structure) %}
    {%- if not json_column or structure is not mapping or not structure -%}
        {{ exceptions.raise_compiler_error(
            "json_unpack needs json_column (an SQL expression of JSON text) and structure: "
            ~ "a non-empty mapping such as {'context': {'userAgent': 'VARCHAR'}}"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('json_unpack', 'signalhouse')(json_column, structure)) }}
{% endmacro %}

{% macro default__json_unpack(json_column, structure) -%}
    json_transform({{ json_column }}, '{{ tojson(structure) }}')
{%- endmacro %}

{#-
    Spark's from_json gives up on the rest of a record at the first value it cannot convert
    (a number sent as a string nulls that field and every later one). So every scalar is read
    as its JSON text and then try_cast field by field, as DuckDB's json_transform converts
    each value: "12.50" becomes 12.5, "free" null, and the other fields are kept.
-#}
{% macro spark__json_unpack(json_column, structure) -%}
    try_cast(
        from_json({{ json_column }}, '{{ json_unpack_spark_type(structure, as_text=true) }}')
        as {{ json_unpack_spark_type(structure) }}
    )
{%- endmacro %}

{#- The Spark DDL type of one node of a json_unpack structure (scalars as string: as_text). -#}
{% macro json_unpack_spark_type(node, as_text=false) -%}
    {%- set scalar_types = {
        'VARCHAR': 'string', 'BOOLEAN': 'boolean', 'BIGINT': 'bigint',
        'INTEGER': 'int', 'DOUBLE': 'double', 'TIMESTAMPTZ': 'timestamp', 'JSON': 'string'
    } -%}
    {%- if node is mapping -%}
        struct<
        {%- for name, child in node.items() -%}
            `{{ name }}`:{{ json_unpack_spark_type(child, as_text) }}{{ ',' if not loop.last }}
        {%- endfor -%}
        >
    {%- elif node is string and node | upper in scalar_types -%}
        {{ 'string' if as_text else scalar_types[node | upper] }}
    {%- elif node is sequence and node | length == 1 -%}
        array<{{ json_unpack_spark_type(node[0], as_text) }}>
    {%- else -%}
        {{ exceptions.raise_compiler_error(
            "json_unpack: unsupported structure node " ~ node ~ " (use a mapping, one of "
            ~ scalar_types.keys() | list ~ ", or a one-item list)"
        ) }}
    {%- endif -%}
{%- endmacro %}
