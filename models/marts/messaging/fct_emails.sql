{%- set sent_first = ["phase <> 'sent'", 'event_at', 'event_id'] -%}
{%- set hard_bounce_first = ["bounce_type is distinct from 'hard'", 'event_at', 'event_id'] -%}

with

email_events as (
    select * from {{ ref('stg_segment__emails') }}
    where email_message_id is not null
),

events as (
    select * from {{ ref('fct_events') }}
),

sessions as (
    select * from {{ ref('fct_sessions') }}
),

persons_attached as (
    select
        email_events.*,
        events.person_id
    from email_events
    left join events
        on
            email_events.tenant_id = events.tenant_id
            and email_events.event_id = events.event_id
),

phases_collapsed as (
    select
        tenant_id,
        email_message_id,
        {{ first_ordered('person_id', sent_first, 'person_id is not null') }} as person_id,
        {{ first_ordered('campaign_id', sent_first, 'campaign_id is not null') }} as campaign_id,
        {{ first_ordered('subject_variant', sent_first, 'subject_variant is not null') }}
            as subject_variant,
        min(event_at) as first_event_at,
        min(event_at) filter (where phase = 'sent') as sent_at,
        min(event_at) filter (where phase = 'delivered') as delivered_at,
        min(event_at) filter (where phase = 'bounced') as bounced_at,
        -- A hard bounce outranks a soft one: the address is gone.
        {{ first_ordered('bounce_type', hard_bounce_first, "phase = 'bounced'") }}
            as bounce_type,
        {{ first_ordered('bounce_reason', hard_bounce_first, "phase = 'bounced'") }}
            as bounce_reason,
        count(*) filter (
            where phase = 'opened' and not coalesce(is_machine_open, false)
        ) as human_opens,
        count(*) filter (where phase = 'opened' and is_machine_open) as machine_opens,
        min(event_at) filter (
            where phase = 'opened' and not coalesce(is_machine_open, false)
        ) as first_opened_at,
        count(*) filter (where phase = 'link_clicked') as link_clicks,
        min(event_at) filter (where phase = 'link_clicked') as first_clicked_at,
        count(*) filter (where phase = 'form_submitted') as form_submissions,
        min(event_at) filter (where phase = 'unsubscribed') as unsubscribed_at,
        min(event_at) filter (where phase = 'spam_reported') as spam_reported_at
    from persons_attached
    group by tenant_id, email_message_id
),

-- Marketing e-mail fails closed: a message counts only when its person had granted
-- marketing when it started (its send, else its first phase seen); a person without a
-- consent record is absent.
phases_consented as (
    select * from phases_collapsed
    where {{ consent_granted_at(
        'marketing',
        'phases_collapsed',
        'coalesce(phases_collapsed.sent_at, phases_collapsed.first_event_at)'
    ) }}
),

next_web_sessions as (
    select
        phases_consented.tenant_id,
        phases_consented.email_message_id,
        {{ first_ordered(
            'sessions.session_id', ['sessions.started_at', 'sessions.session_id']
        ) }}
            as next_session_id
    from phases_consented
    inner join sessions
        on
            phases_consented.tenant_id = sessions.tenant_id
            and phases_consented.person_id = sessions.person_id
            and {{ list_contains('sessions.platforms', "'web'") }}
            and phases_consented.first_clicked_at <= sessions.started_at
            and sessions.started_at <= phases_consented.first_clicked_at
            + {{ interval_minutes(var('email_click_session_minutes')) }}
    group by phases_consented.tenant_id, phases_consented.email_message_id
),

final as (
    select
        phases_consented.tenant_id,
        phases_consented.email_message_id,
        phases_consented.person_id,
        phases_consented.campaign_id,
        phases_consented.subject_variant,
        phases_consented.sent_at,
        phases_consented.delivered_at,
        phases_consented.bounced_at,
        phases_consented.delivered_at is not null as is_delivered,
        phases_consented.bounced_at is not null as is_bounced,
        phases_consented.bounce_type,
        phases_consented.bounce_reason,
        {{ async_gap_ms('phases_consented.sent_at', 'phases_consented.delivered_at') }}
            as delivery_latency_ms,
        phases_consented.human_opens > 0 as is_opened,
        phases_consented.human_opens,
        phases_consented.machine_opens,
        phases_consented.human_opens = 0
        and phases_consented.machine_opens > 0 as is_machine_open_only,
        phases_consented.first_opened_at,
        phases_consented.link_clicks > 0 as is_clicked,
        phases_consented.link_clicks,
        phases_consented.first_clicked_at,
        next_web_sessions.next_session_id,
        phases_consented.form_submissions > 0 as is_form_submitted,
        phases_consented.form_submissions,
        phases_consented.unsubscribed_at is not null as is_unsubscribed,
        phases_consented.unsubscribed_at,
        phases_consented.spam_reported_at is not null as is_spam_reported,
        phases_consented.spam_reported_at
    from phases_consented
    left join next_web_sessions
        on
            phases_consented.tenant_id = next_web_sessions.tenant_id
            and phases_consented.email_message_id = next_web_sessions.email_message_id
)

select * from final
