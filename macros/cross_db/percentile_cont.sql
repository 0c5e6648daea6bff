{#- Aggregate: the `fraction` quantile of `column`, interpolated linearly between values. -#}
{% macro percentile_cont(column, fraction) %}
    {%- if not column or fraction is none or fraction == '' -%}
        {{ exceptions.raise_compiler_error(
            "percentile_cont needs column and fraction: an SQL numeric expression and a "
            ~ "number between 0 and 1"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('percentile_cont', 'signalhouse')(column, fraction)) }}
{% endmacro %}

{% macro default__percentile_cont(column, fraction) -%}
    quantile_cont({{ column }}, {{ fraction }})
{%- endmacro %}

{#- Spark's percentile is exact and interpolates linearly, as quantile_cont does. -#}
{% macro spark__percentile_cont(column, fraction) -%}
    percentile({{ column }}, {{ fraction }})
{%- endmacro %}
