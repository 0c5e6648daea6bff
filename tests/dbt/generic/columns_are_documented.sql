{#- Fails with one row per column of the built relation that its YAML does not declare, and
    per declared column the relation does not have. Attach it to every model of staging,
    intermediate and marts (assert_every_column_is_documented checks that it is attached);
    descriptions and PII classes of the declared columns are checked there. -#}
{% test columns_are_documented(model) %}
    {%- set problems = [] -%}
    {%- if execute -%}
        {%- set ns = namespace(node=none) -%}
        {%- for candidate in graph.nodes.values() -%}
            {%- if candidate.resource_type == 'model'
                and candidate.alias | lower == model.identifier | lower
                and candidate.schema | lower == model.schema | lower -%}
                {%- set ns.node = candidate -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if ns.node is none -%}
            {{ exceptions.raise_compiler_error(
                "columns_are_documented: no model builds " ~ model
                ~ "; attach the test to a model, not a source or seed"
            ) }}
        {%- endif -%}
        {%- set yaml_path = documentation_yaml_path(ns.node) -%}
        {%- set declared = ns.node.columns.keys() | map('lower') | list -%}
        {%- set built = adapter.get_columns_in_relation(model)
            | map(attribute='name') | map('lower') | list -%}
        {%- for column in built if column not in declared -%}
            {%- do problems.append({
                'resource': ns.node.name,
                'column_name': column,
                'problem': 'column in the relation is not declared',
                'fix': 'declare it in ' ~ yaml_path
                    ~ ' with a description and config.meta.pii'
                    ~ ' (none | pseudonymous)',
            }) -%}
        {%- endfor -%}
        {%- for column in declared if built and column not in built -%}
            {%- do problems.append({
                'resource': ns.node.name,
                'column_name': column,
                'problem': 'declared column is not in the relation',
                'fix': 'remove it from ' ~ yaml_path ~ ' or correct its name',
            }) -%}
        {%- endfor -%}
    {%- endif %}
{{ documentation_problems(problems) }}
{% endtest %}
