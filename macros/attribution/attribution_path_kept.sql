{#-
    The predicate that applies var attribution_path_transform to a touch path whose rows
    carry previous_channel (the channel of the touch before, in path order) and
    channel_occurrence (1 for a channel's first touch on the path).
-#}
{% macro attribution_path_kept() %}
    {%- set transform = var('attribution_path_transform') %}
    {%- set predicates = {
        'none': 'true',
        'collapse_repeats': 'previous_channel is distinct from channel',
        'first_occurrence': 'channel_occurrence = 1',
    } %}
    {%- if transform not in predicates %}
        {{ exceptions.raise_compiler_error(
            "var attribution_path_transform must be none, collapse_repeats or "
            ~ "first_occurrence; got " ~ transform
        ) }}
    {%- endif %}
    {{- predicates[transform] -}}
{% endmacro %}
