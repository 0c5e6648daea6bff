{#- The inactivity gap (minutes) that ends a session, for the platform in `platform_column`,
    from the var session_inactivity_minutes ({platform: minutes}); 30 for unlisted ones. -#}
{% macro session_inactivity_minutes(platform_column) -%}
    {{ return(adapter.dispatch('session_inactivity_minutes')(platform_column)) }}
{%- endmacro %}

{% macro default__session_inactivity_minutes(platform_column) -%}
    {%- set minutes_by_platform = var('session_inactivity_minutes') -%}
    {%- if minutes_by_platform is not mapping -%}
        {{ exceptions.raise_compiler_error(
            "var session_inactivity_minutes must map platforms to minutes, e.g. "
            ~ "{web: 30, ios: 30, android: 30}; got " ~ minutes_by_platform
        ) }}
    {%- endif -%}
    case {{ platform_column }}
    {%- for platform, minutes in minutes_by_platform.items() %}
        when '{{ platform }}' then {{ minutes }}
    {%- endfor %}
        else 30
    end
{%- endmacro %}
