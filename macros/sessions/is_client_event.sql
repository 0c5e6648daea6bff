{#- Whether the event in `relation` (an alias with columns platform and is_background) is a
    client foreground event: web, iOS, Android or mobile, not in the background. The
    events sessions are made of; a boolean SQL expression in parentheses. -#}
{% macro is_client_event(relation) -%}
    {%- if not relation -%}
        {{ exceptions.raise_compiler_error(
            "is_client_event needs relation: the alias of a relation with columns platform "
            ~ "and is_background, such as 'events'"
        ) }}
    {%- endif -%}
    (
        {{ relation }}.platform in ('web', 'ios', 'android', 'mobile')
        and not {{ relation }}.is_background
    )
{%- endmacro %}
