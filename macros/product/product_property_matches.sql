{#- True when the event's payload property named in `rule`.property_name compares with
    `rule`.property_value by `rule`.property_operator (= and != compare text; <, <=, >, >=
    compare numbers); true when the rule has no property filter. -#}
{% macro product_property_matches(payload_column, rule_alias) -%}
    {{ return(adapter.dispatch('product_property_matches')(payload_column, rule_alias)) }}
{%- endmacro %}

{% macro default__product_property_matches(payload_column, rule_alias) -%}
    {%- if not rule_alias -%}
        {{ exceptions.raise_compiler_error(
            "product_property_matches needs rule_alias: the relation holding property_name, "
            ~ "property_operator and property_value"
        ) }}
    {%- endif -%}
    {%- set value -%}
        {{ json_extract_text(
            payload_column, "'$.properties.' || " ~ rule_alias ~ ".property_name"
        ) }}
    {%- endset -%}
    (
        {{ rule_alias }}.property_name is null
        or case {{ rule_alias }}.property_operator
            when '=' then {{ value }} = {{ rule_alias }}.property_value
            when '!=' then {{ value }} != {{ rule_alias }}.property_value
            when '<' then try_cast({{ value }} as double)
                < try_cast({{ rule_alias }}.property_value as double)
            when '<=' then try_cast({{ value }} as double)
                <= try_cast({{ rule_alias }}.property_value as double)
            when '>' then try_cast({{ value }} as double)
                > try_cast({{ rule_alias }}.property_value as double)
            when '>=' then try_cast({{ value }} as double)
                >= try_cast({{ rule_alias }}.property_value as double)
            else false
        end
    )
{%- endmacro %}
