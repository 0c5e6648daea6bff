{#-
    sum() of a double expression that does not depend on the order rows arrive in: each value
    is rounded to 8 decimals and summed as a DECIMAL, then returned as a double. A plain
    double sum can differ in its last bit between two builds of the same data (parallel
    aggregation), which makes an incremental build differ from a full refresh.
-#}
{% macro exact_sum(expression) %}
    {%- if not expression -%}
        {{ exceptions.raise_compiler_error("exact_sum needs an expression to sum") }}
    {%- endif -%}
    cast(sum(cast(({{ expression }}) as decimal(38, 8))) as double)
{%- endmacro %}
