{#-
    Connected components by bounded min-label propagation, unrolled into a fixed number of
    rounds (no recursive CTE, so it also runs on Spark).
    Renders one `select` (usable as a CTE body) returning one row per node of `edges`:
    tenant_id, node, label (the smallest node of its component once converged) and
    label_before_last_round. The two agree on every row exactly when the last round changed
    nothing, i.e. when the labels are a fixpoint and therefore the components.
-#}
{% macro identity_label_propagation(edges, rounds) %}
    {{ return(adapter.dispatch('identity_label_propagation', 'signalhouse')(edges, rounds)) }}
{% endmacro %}

{#- DuckDB: each round spreads the smallest label, then jumps it (label of the label). -#}
{% macro default__identity_label_propagation(edges, rounds) %}
    {{ return(identity_label_rounds(edges, rounds, pointer_jumping=true)) }}
{% endmacro %}

{#-
    Spark: min-label spreading only, one join per round. Pointer jumping joins a round to
    itself, and Spark inlines CTEs, so its plan would double with every round (2^rounds
    copies: the build never finishes planning). Without jumping a component converges in at
    most its diameter rounds instead of about log2 of it; the labels at the fixpoint are the
    same (each component's smallest node), and assert_identity_label_propagation_converged
    still fails, asking for more rounds, when the last round changed anything.
-#}
{% macro spark__identity_label_propagation(edges, rounds) %}
    {{ return(identity_label_rounds(edges, rounds, pointer_jumping=false)) }}
{% endmacro %}

{% macro identity_label_rounds(edges, rounds, pointer_jumping) %}
    {%- if edges is not string or not edges -%}
        {{ exceptions.raise_compiler_error(
            "identity_label_propagation needs edges: the name of a relation or CTE with "
            ~ "columns tenant_id, node_a, node_b"
        ) }}
    {%- endif -%}
    {%- if rounds is not number or rounds < 1 -%}
        {{ exceptions.raise_compiler_error(
            "identity_label_propagation needs rounds: a whole number of rounds >= 1, got "
            ~ rounds
        ) }}
    {%- endif -%}
    {%- set rounds = rounds | int %}
    with

    propagation_links as (
        select tenant_id, node_a as node, node_b as neighbour from {{ edges }}
        union
        select tenant_id, node_b as node, node_a as neighbour from {{ edges }}
        union
        select tenant_id, node_a as node, node_a as neighbour from {{ edges }}
        union
        select tenant_id, node_b as node, node_b as neighbour from {{ edges }}
    ),

    propagation_round_0 as (
        select distinct
            tenant_id,
            node,
            node as label
        from propagation_links
    ),
    {% for round in range(1, rounds + 1) %}
    {%- set spread = 'propagation_round_' ~ round ~ ('_spread' if pointer_jumping else '') %}

    {{ spread }} as (
        select
            propagation_links.tenant_id,
            propagation_links.node,
            min(previous_round.label) as label
        from propagation_links
        inner join propagation_round_{{ round - 1 }} as previous_round
            on
                propagation_links.tenant_id = previous_round.tenant_id
                and propagation_links.neighbour = previous_round.node
        group by propagation_links.tenant_id, propagation_links.node
    ),
    {%- if pointer_jumping %}

    propagation_round_{{ round }} as (
        select
            spread.tenant_id,
            spread.node,
            least(spread.label, coalesce(jumped.label, spread.label)) as label
        from {{ spread }} as spread
        left join {{ spread }} as jumped
            on
                spread.tenant_id = jumped.tenant_id
                and spread.label = jumped.node
    ),
    {%- endif %}
    {% endfor %}

    propagation_converged as (
        select
            last_round.tenant_id,
            last_round.node,
            last_round.label,
            round_before.label as label_before_last_round
        from propagation_round_{{ rounds }} as last_round
        inner join propagation_round_{{ rounds - 1 }} as round_before
            on
                last_round.tenant_id = round_before.tenant_id
                and last_round.node = round_before.node
    )

    select * from propagation_converged
{% endmacro %}
