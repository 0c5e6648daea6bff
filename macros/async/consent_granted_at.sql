{% macro consent_granted_at(category, relation, at) -%}
{#- True when the person of `relation` (its tenant_id and person_id) had granted `category`
    at time `at` in fct_consent_periods. Fail closed: no person or no consent record is
    false. -#}
exists (
    select 1
    from {{ ref('fct_consent_periods') }} as consent_periods
    where
        consent_periods.tenant_id = {{ relation }}.tenant_id
        and consent_periods.person_id = {{ relation }}.person_id
        and consent_periods.category = '{{ category }}'
        and consent_periods.is_granted
        and consent_periods.valid_from <= {{ at }}
        and ({{ at }} < consent_periods.valid_to or consent_periods.valid_to is null)
)
{%- endmacro %}
