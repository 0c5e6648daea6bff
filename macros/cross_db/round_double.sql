{#-
    A double rounded to `digits` decimals as DuckDB's round does: round(value * 10^digits)
    / 10^digits in double arithmetic, halves away from zero.
-#}
{% macro round_double(value, digits) %}
    {%- if not value or digits is not integer -%}
        {{ exceptions.raise_compiler_error(
            "round_double needs value (an SQL double expression) and digits: a whole number "
            ~ "such as 3"
        ) }}
    {%- endif -%}
    {{ return(adapter.dispatch('round_double', 'signalhouse')(value, digits)) }}
{% endmacro %}

{% macro default__round_double(value, digits) -%}
    round({{ value }}, {{ digits }})
{%- endmacro %}

{#-
    Spark's round rounds the double's shortest decimal text (0.285 -> 0.29) where DuckDB
    rounds the double times 10^digits (28.499999999999996 -> 28, so 0.28).
-#}
{% macro spark__round_double(value, digits) -%}
    (round(cast({{ value }} as double) * 1e{{ digits }}, 0) / 1e{{ digits }})
{%- endmacro %}
