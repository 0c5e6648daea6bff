{#-
    Incremental strategy `partition_tails`: for each partition (the model's unique_key
    columns) in the new rows, deletes the model's rows from the partition's first new row on,
    in the order of the config `tail_order_by` (columns, ascending, unique within a
    partition), then inserts the new rows. Rows before that point stay as they are; rows of
    partitions without new rows too. For models that recompute each changed partition from
    a point on, such as sessions from a person's last session start before a change.
-#}
{% macro get_incremental_partition_tails_sql(arg_dict) %}
    {%- set partition_by = arg_dict['unique_key'] -%}
    {%- set order_by = config.get('tail_order_by') -%}
    {%- if partition_by is string or partition_by is not sequence or not partition_by -%}
        {{ exceptions.raise_compiler_error(
            "incremental_strategy 'partition_tails' needs unique_key: the list of partition "
            ~ "columns, such as ['tenant_id', 'person_id']; got " ~ partition_by
        ) }}
    {%- endif -%}
    {%- if order_by is string or order_by is not sequence or not order_by -%}
        {{ exceptions.raise_compiler_error(
            "incremental_strategy 'partition_tails' needs the config tail_order_by: the list "
            ~ "of columns that order a partition's rows, unique within it, such as "
            ~ "['event_at', 'event_id']; got " ~ order_by
        ) }}
    {%- endif -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set source = arg_dict['temp_relation'] -%}
    {%- set dest_columns_csv = get_quoted_csv(
        arg_dict['dest_columns'] | map(attribute='name')
    ) -%}
    delete from {{ target }} as target_rows
    using (
        select
            {{ partition_by | join(', ') }},
            min(({{ order_by | join(', ') }})) as tail_from
        from {{ source }}
        group by {{ partition_by | join(', ') }}
    ) as tails
    where
        {%- for column in partition_by %}
        target_rows.{{ column }} = tails.{{ column }} and
        {%- endfor %}
        (
            {%- for column in order_by %}
            target_rows.{{ column }}{{ ',' if not loop.last }}
            {%- endfor %}
        ) >= tails.tail_from;

    insert into {{ target }} ({{ dest_columns_csv }})
    select {{ dest_columns_csv }}
    from {{ source }}
{% endmacro %}
