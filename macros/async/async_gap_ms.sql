{#- Milliseconds from one lifecycle phase to the next; null when either is missing or
    the later phase is stamped before the earlier one (out of order: a clock artefact,
    not a duration). -#}
{% macro async_gap_ms(from_column, to_column) %}
    {{ return(adapter.dispatch('async_gap_ms', 'signalhouse')(from_column, to_column)) }}
{% endmacro %}

{% macro default__async_gap_ms(from_column, to_column) %}
    case
        when {{ to_column }} >= {{ from_column }}
            then {{ dbt.datediff(from_column, to_column, 'millisecond') }}
    end
{%- endmacro %}
