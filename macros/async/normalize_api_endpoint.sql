{#- An API path with its ids replaced by {id}: the query string and trailing slashes go,
    the path is lower-cased, and every segment that is all digits, a UUID, a long hex
    token or a short-prefixed id (u_b94d4b2f, acc_1ff4fbe415) becomes {id}. -#}
{% macro normalize_api_endpoint(path_column) %}
    {{ return(adapter.dispatch('normalize_api_endpoint', 'signalhouse')(path_column)) }}
{% endmacro %}

{% macro default__normalize_api_endpoint(path_column) %}
    {%- set id_segment =
        "/([0-9]+"
        ~ "|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
        ~ "|[0-9a-f]{16,}"
        ~ "|[a-z]{1,5}_[0-9a-f]{6,})/" -%}
    {#- Two passes: a match consumes the slash after it, so an id directly after an id is
        only found by the second pass. -#}
    {%- set lowered = "lower(split_part(trim(" ~ path_column ~ "), '?', 1)) || '/'" -%}
    {%- set first_pass = regexp_replace_all(lowered, "'" ~ id_segment ~ "'", "'/{id}/'") -%}
    {%- set second_pass = regexp_replace_all(first_pass, "'" ~ id_segment ~ "'", "'/{id}/'") -%}
    coalesce(
        nullif(
            regexp_replace({{ second_pass }}, '/+$', ''),
            ''
        ),
        case when {{ path_column }} is not null then '/' end
    )
{%- endmacro %}
