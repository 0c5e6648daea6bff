-- Invariant: every model of staging, intermediate and marts, and every seed, has a
-- description, and so has each of its declared columns, which also carries its PII class in
-- config.meta.pii: `none` or `pseudonymous` (personal data never lands in clear)
-- (README, "Documentation and PII classification"). Every such model carries the generic
-- test columns_are_documented, which fails on a built column the YAML does not declare.
-- Sources and their declared columns are described. One row per problem, saying what to
-- write where.
{%- set classes = ['none', 'pseudonymous'] -%}
{%- set layers = ['staging', 'intermediate', 'marts'] -%}
{%- set problems = [] -%}
{%- if execute -%}
    {%- set checked_models = [] -%}
    {%- for test in graph.nodes.values() if test.resource_type == 'test'
        and (test.test_metadata or {}).get('name') == 'columns_are_documented' -%}
        {%- do checked_models.extend(test.depends_on.nodes) -%}
    {%- endfor -%}
    {%- set nodes = graph.nodes.values() | sort(attribute='unique_id') -%}
    {%- for node in nodes if node.package_name == project_name
        and (node.resource_type == 'seed'
            or (node.resource_type == 'model' and node.fqn[1] in layers)) -%}
        {%- set yaml_path = documentation_yaml_path(node) -%}
        {%- if not node.description | trim -%}
            {%- do problems.append({
                'resource': node.name,
                'column_name': none,
                'problem': node.resource_type ~ ' has no description',
                'fix': 'describe it in ' ~ yaml_path ~ ', starting with its grain',
            }) -%}
        {%- endif -%}
        {%- if node.resource_type == 'model' and node.unique_id not in checked_models -%}
            {%- do problems.append({
                'resource': node.name,
                'column_name': none,
                'problem': 'model is not checked against its built columns',
                'fix': 'add columns_are_documented to its data_tests in ' ~ yaml_path,
            }) -%}
        {%- endif -%}
        {%- for column in node.columns.values() -%}
            {%- if not column.description | trim -%}
                {%- do problems.append({
                    'resource': node.name,
                    'column_name': column.name,
                    'problem': 'column has no description',
                    'fix': 'describe it in ' ~ yaml_path
                        ~ ': what it holds, its unit and time zone, what null means',
                }) -%}
            {%- endif -%}
            {%- set pii = ((column.config or {}).get('meta') or {}).get('pii') -%}
            {%- if pii not in classes -%}
                {%- do problems.append({
                    'resource': node.name,
                    'column_name': column.name,
                    'problem': 'column has no PII class' if pii is none
                        else 'column has PII class ' ~ pii ~ ', not one of '
                            ~ classes | join(', '),
                    'fix': 'set config: {meta: {pii: ' ~ classes | join(' | ')
                        ~ '}} on it in ' ~ yaml_path,
                }) -%}
            {%- endif -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- for source in graph.sources.values() | sort(attribute='unique_id')
        if source.package_name == project_name -%}
        {%- set yaml_path = source.original_file_path -%}
        {%- if not source.description | trim -%}
            {%- do problems.append({
                'resource': source.source_name ~ '.' ~ source.name,
                'column_name': none,
                'problem': 'source table has no description',
                'fix': 'describe it in ' ~ yaml_path,
            }) -%}
        {%- endif -%}
        {%- for column in source.columns.values() if not column.description | trim -%}
            {%- do problems.append({
                'resource': source.source_name ~ '.' ~ source.name,
                'column_name': column.name,
                'problem': 'column has no description',
                'fix': 'describe it in ' ~ yaml_path,
            }) -%}
        {%- endfor -%}
    {%- endfor -%}
{%- endif %}

{{ documentation_problems(problems) }}
