{#- The start of the UTC calendar period (day, week = ISO week from Monday, month) that
    holds `timestamp_column`, for a period name held in the SQL expression `period_column`;
    null for any other period name. -#}
{% macro product_period_start(period_column, timestamp_column) -%}
    {{ return(adapter.dispatch('product_period_start')(period_column, timestamp_column)) }}
{%- endmacro %}

{% macro default__product_period_start(period_column, timestamp_column) -%}
    case {{ period_column }}
        when 'day' then {{ dbt.date_trunc('day', timestamp_column) }}
        when 'week' then {{ dbt.date_trunc('week', timestamp_column) }}
        when 'month' then {{ dbt.date_trunc('month', timestamp_column) }}
    end
{%- endmacro %}
