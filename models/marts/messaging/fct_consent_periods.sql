{#- The consent categories: stg_segment__consents has a has_<category>_consent column for
    each (this YAML's accepted_values of category lists the same). -#}
{%- set consent_categories = ['analytics', 'marketing', 'messaging'] -%}

with

consents as (
    select * from {{ ref('stg_segment__consents') }}
),

events as (
    select * from {{ ref('fct_events') }}
),

-- One row per category a Consent Updated states; a category it does not name says nothing.
categories_unpivoted as (
    {%- for category in consent_categories %}
        select
            tenant_id,
            event_id,
            event_at,
            '{{ category }}' as category,
            has_{{ category }}_consent as is_granted
        from consents
        where has_{{ category }}_consent is not null
        {%- if not loop.last %}
            union all
        {%- endif %}
    {%- endfor %}
),

persons_attached as (
    select
        categories_unpivoted.*,
        events.person_id
    from categories_unpivoted
    inner join events
        on
            categories_unpivoted.tenant_id = events.tenant_id
            and categories_unpivoted.event_id = events.event_id
    where events.person_id is not null
),

periods_bounded as (
    select
        *,
        lead(event_at) over (
            partition by tenant_id, person_id, category
            order by event_at, event_id
        ) as valid_to
    from persons_attached
),

final as (
    select
        tenant_id,
        person_id,
        category,
        event_at as valid_from,
        valid_to,
        is_granted,
        event_id as consent_event_id
    from periods_bounded
)

select * from final
