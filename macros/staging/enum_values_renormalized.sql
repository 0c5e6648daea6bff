{#- Post-hook of an incremental staging table that normalizes `raw_column` through an enum
    seed into `column`: rows written earlier under another version of the seed get the value
    the seed gives now, so editing a seed needs no full refresh. It reads only the two
    columns and updates only rows whose value changes. Nothing on a first build. -#}
{% macro enum_values_renormalized(column, raw_column, enum_seed) -%}
    {%- if is_incremental() -%}
    update {{ this }} as written
    set {{ column }} = renormalized.normalized_value
    from (
        select
            raw_values.raw_value,
            coalesce(enum_values.normalized_value, 'unknown') as normalized_value
        from (
            select distinct {{ raw_column }} as raw_value
            from {{ this }}
            where {{ raw_column }} is not null
        ) as raw_values
        left join {{ enum_seed }} as enum_values
            on lower(trim(raw_values.raw_value)) = enum_values.raw_value
    ) as renormalized
    where
        written.{{ raw_column }} = renormalized.raw_value
        and written.{{ column }} is distinct from renormalized.normalized_value
    {%- endif -%}
{%- endmacro %}
