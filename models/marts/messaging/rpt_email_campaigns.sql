with

emails as (
    select * from {{ ref('fct_emails') }}
),

emails_converted as (
    {{ first_order_after(
        'emails', 'email_message_id', 'first_clicked_at',
        var('messaging_downstream_hours')
    ) }}
),

campaigns_counted as (
    select
        emails.tenant_id,
        coalesce(emails.campaign_id, 'unknown') as campaign_id,
        coalesce(emails.subject_variant, 'unknown') as subject_variant,
        count(*) filter (where emails.sent_at is not null) as sent,
        count(*) filter (where emails.is_delivered) as delivered,
        count(*) filter (where emails.bounce_type = 'hard') as bounced_hard,
        count(*) filter (
            where emails.is_bounced and emails.bounce_type is distinct from 'hard'
        ) as bounced_soft,
        count(*) filter (where emails.is_opened) as opened,
        count(*) filter (where emails.is_machine_open_only) as machine_opened_only,
        sum(emails.human_opens) as human_opens,
        sum(emails.machine_opens) as machine_opens,
        count(*) filter (where emails.is_clicked) as clicked,
        sum(emails.link_clicks) as link_clicks,
        count(*) filter (where emails.is_form_submitted) as forms_submitted,
        count(*) filter (where emails.is_unsubscribed) as unsubscribed,
        count(*) filter (where emails.is_spam_reported) as spam_reported,
        count(emails.next_session_id) as downstream_sessions,
        count(emails_converted.first_ordered_at) as downstream_conversions,
        round({{ percentile_cont('emails.delivery_latency_ms', 0.5) }}, 3)
            as median_delivery_latency_ms
    from emails
    left join emails_converted
        on
            emails.tenant_id = emails_converted.tenant_id
            and emails.email_message_id = emails_converted.email_message_id
    group by
        emails.tenant_id,
        coalesce(emails.campaign_id, 'unknown'),
        coalesce(emails.subject_variant, 'unknown')
),

rates_computed as (
    select
        *,
        delivered / nullif(sent, 0) as delivery_rate,
        (bounced_hard + bounced_soft) / nullif(sent, 0) as bounce_rate,
        opened / nullif(delivered, 0) as open_rate,
        clicked / nullif(delivered, 0) as click_rate,
        clicked / nullif(opened, 0) as click_to_open_rate,
        unsubscribed / nullif(delivered, 0) as unsubscribe_rate,
        spam_reported / nullif(delivered, 0) as spam_rate,
        downstream_conversions / nullif(clicked, 0) as conversion_rate_per_click
    from campaigns_counted
),

final as (
    select
        tenant_id,
        campaign_id,
        subject_variant,
        sent,
        delivered,
        bounced_hard,
        bounced_soft,
        opened,
        machine_opened_only,
        human_opens,
        machine_opens,
        clicked,
        link_clicks,
        forms_submitted,
        unsubscribed,
        spam_reported,
        downstream_sessions,
        downstream_conversions,
        delivery_rate,
        bounce_rate,
        open_rate,
        click_rate,
        click_to_open_rate,
        unsubscribe_rate,
        spam_rate,
        conversion_rate_per_click,
        median_delivery_latency_ms
    from rates_computed
)

select * from final
