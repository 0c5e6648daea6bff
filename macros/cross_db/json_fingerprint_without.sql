{#-
    An md5 fingerprint of the JSON object text `json_column` with its top-level `keys`
    removed: two objects that differ only in those keys get the same fingerprint.
-#}
{% macro json_fingerprint_without(json_column, keys) %}
    {%- if not json_column or keys is string or keys is not sequence or not keys -%}
        {{ exceptions.raise_compiler_error(
            "json_fingerprint_without needs json_column (an SQL expression of JSON text) "
            ~ "and keys: a non-empty list of top-level key names such as ['sentAt']"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('json_fingerprint_without', 'signalhouse')(json_column, keys)) }}
{% endmacro %}

{#- A merge patch whose values are null removes those keys. -#}
{% macro default__json_fingerprint_without(json_column, keys) -%}
    {%- set patch = {} -%}
    {%- for key in keys -%}
        {%- do patch.update({key: none}) -%}
    {%- endfor -%}
    md5(json_merge_patch({{ json_column }}, '{{ tojson(patch) }}'))
{%- endmacro %}

{#-
    Spark has no JSON type: the object is read as a map of each value's text (nested values
    as their JSON text) and written back without the keys. A string and a number with the
    same text ("1" and 1) therefore fingerprint alike on Spark.
-#}
{% macro spark__json_fingerprint_without(json_column, keys) -%}
    md5(to_json(map_filter(
        from_json({{ json_column }}, 'map<string,string>'),
        (json_key, json_value) -> not array_contains(
            array({%- for key in keys %}'{{ key }}'{{ ', ' if not loop.last }}{% endfor -%}),
            json_key
        )
    )))
{%- endmacro %}
