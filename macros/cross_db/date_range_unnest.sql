{#-
    In a select list: one row per calendar day from `start_date` to `end_date` (both
    included), as a date. Spark allows no expression around the generator, hence one macro.
-#}
{% macro date_range_unnest(start_date, end_date) %}
    {%- if not start_date or not end_date -%}
        {{ exceptions.raise_compiler_error(
            "date_range_unnest needs start_date and end_date: two SQL date expressions"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('date_range_unnest', 'signalhouse')(start_date, end_date)) }}
{% endmacro %}

{% macro default__date_range_unnest(start_date, end_date) -%}
    unnest(generate_series({{ start_date }}, {{ end_date }}, interval 1 day))::date
{%- endmacro %}

{% macro spark__date_range_unnest(start_date, end_date) -%}
    explode(sequence({{ start_date }}, {{ end_date }}, interval 1 day))
{%- endmacro %}
