{#- A struct whose fields are `columns` (a list of column names), each named after its column. -#}
{% macro struct_of_columns(columns) %}
    {%- if columns is string or not columns -%}
        {{ exceptions.raise_compiler_error(
            "struct_of_columns needs columns: a list of column names, e.g. "
            ~ "['touch_id', 'touched_at']"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('struct_of_columns', 'signalhouse')(columns)) }}
{% endmacro %}

{% macro default__struct_of_columns(columns) -%}
    struct_pack({{ columns | join(', ') }})
{%- endmacro %}

{% macro spark__struct_of_columns(columns) -%}
    struct({{ columns | join(', ') }})
{%- endmacro %}
