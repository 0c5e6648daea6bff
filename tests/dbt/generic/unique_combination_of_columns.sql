{#- Fails with one row per combination of the given columns that occurs more than once. -#}
{% test unique_combination_of_columns(model, combination_of_columns) %}
    {%- if not combination_of_columns -%}
        {{ exceptions.raise_compiler_error(
            "unique_combination_of_columns needs combination_of_columns: a list of columns"
        ) }}
    {%- endif %}

with

combinations as (
    select
        {{ combination_of_columns | join(',\n        ') }},
        count(*) as copies
    from {{ model }}
    group by {{ combination_of_columns | join(', ') }}
)

select * from combinations
where copies > 1

{% endtest %}
