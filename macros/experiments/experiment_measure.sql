{#-
    The per-person measure a metric definition names (seed experiment_metric_definitions:
    numerator / denominator), as a CASE over the column holding the name. `prefix` picks the
    window: '' for the conversion window, 'pre_' for the CUPED pre-exposure period.
-#}
{% macro experiment_measure(name_column, prefix='') %}
    {%- if prefix not in ['', 'pre_'] -%}
        {{ exceptions.raise_compiler_error(
            "experiment_measure: prefix must be '' or 'pre_', got '" ~ prefix ~ "'"
        ) }}
    {%- endif -%}
    case {{ name_column }}
        when 'orders' then {{ prefix }}orders
        when 'revenue' then {{ prefix }}revenue
        when 'sessions' then {{ prefix }}sessions
        when 'rec_clicks' then {{ prefix }}rec_clicks
        when 'rec_requests' then {{ prefix }}rec_requests
    end
{%- endmacro %}
