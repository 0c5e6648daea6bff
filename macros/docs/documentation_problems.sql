{#- A select of documentation problems, one row per (resource, column, problem), with the fix
    spelled out; no rows when the list is empty. Each problem is a dict with the keys
    resource, column_name, problem and fix. -#}
{% macro documentation_problems(problems) %}
    {%- if problems | length == 0 %}
select
    cast(null as {{ dbt.type_string() }}) as resource,
    cast(null as {{ dbt.type_string() }}) as column_name,
    cast(null as {{ dbt.type_string() }}) as problem,
    cast(null as {{ dbt.type_string() }}) as fix
where false
    {%- else %}
select
    resource,
    cast(column_name as {{ dbt.type_string() }}) as column_name,
    problem,
    fix
from (
    values
    {%- for problem in problems %}
        (
            '{{ problem.resource | replace("'", "''") }}',
            {{ "'" ~ problem.column_name | replace("'", "''") ~ "'"
                if problem.column_name else "null" }},
            '{{ problem.problem | replace("'", "''") }}',
            '{{ problem.fix | replace("'", "''") }}'
        ){{ "," if not loop.last }}
    {%- endfor %}
) as problems (resource, column_name, problem, fix)
    {%- endif %}
{% endmacro %}


{#- Where a node's columns are declared: its property file, or the file to create. -#}
{% macro documentation_yaml_path(node) %}
    {%- if node.patch_path -%}
        {{ node.patch_path.split('://')[-1] }}
    {%- else -%}
        {{ node.original_file_path.rsplit('.', 1)[0] ~ '.yml' }} (create it)
    {%- endif -%}
{% endmacro %}
