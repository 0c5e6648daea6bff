-- Invariant: label propagation reached its fixpoint within the bound. A row is a node
-- whose label still changed in the last round: raise var identity_label_propagation_rounds.

with

clustered as (
    select * from {{ ref('int_identifiers_clustered') }}
),

labels_still_changing as (
    select
        tenant_id,
        node,
        propagated_label,
        label_before_last_round
    from clustered
    where propagated_label != label_before_last_round
)

select * from labels_still_changing
