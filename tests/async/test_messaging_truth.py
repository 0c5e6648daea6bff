"""Messaging marts against the simulator's truth: every emitted lifecycle event is counted.

Lifecycle facts are operational (no analytics opt-out), as the truth counts every message
the simulator emitted; see models/marts/messaging/_messaging_docs.md.
"""

from __future__ import annotations

import pytest

NOTIFICATION_SQL = """
    select
        tenant_id,
        sum(send_attempts),
        count(*) filter (where has_delivery_receipt),
        count(*) filter (where is_displayed),
        count(*) filter (where is_opened),
        count(*) filter (where is_dismissed),
        sum(failed_attempts)
    from marts.fct_notifications
    group by tenant_id
"""
NOTIFICATION_KEYS = ("sent", "delivered", "displayed", "opened", "dismissed", "failed")

EMAIL_SQL = """
    select
        tenant_id,
        count(*) filter (where sent_at is not null),
        count(*) filter (where is_delivered),
        count(*) filter (where bounce_type = 'hard'),
        count(*) filter (where bounce_type = 'soft'),
        sum(human_opens),
        sum(machine_opens),
        sum(link_clicks),
        sum(form_submissions),
        count(*) filter (where is_unsubscribed),
        count(*) filter (where is_spam_reported)
    from marts.fct_emails
    group by tenant_id
"""
EMAIL_KEYS = (
    "sent",
    "delivered",
    "bounced_hard",
    "bounced_soft",
    "opened_human",
    "opened_machine",
    "clicked",
    "forms",
    "unsubscribed",
    "spam_reported",
)


def _by_tenant(rows: list[tuple], keys: tuple[str, ...]) -> dict[str, dict[str, int]]:
    return {row[0]: dict(zip(keys, (int(v or 0) for v in row[1:]), strict=True)) for row in rows}


def _expected(truth_family: dict[str, dict[str, int]], keys: tuple[str, ...]) -> dict:
    return {t: {k: counts.get(k, 0) for k in keys} for t, counts in truth_family.items()}


def test_notification_counts_equal_truth(marts_build) -> None:
    got = _by_tenant(marts_build.rows(NOTIFICATION_SQL), NOTIFICATION_KEYS)
    assert got == _expected(marts_build.truth["notifications"], NOTIFICATION_KEYS)


def test_notification_funnel_report_adds_up_to_the_fact(marts_build) -> None:
    report = marts_build.rows(
        "select tenant_id, sum(send_attempts), sum(delivered), sum(opened), "
        "sum(failed_attempts) from marts.rpt_notification_funnel group by 1 order by 1"
    )
    truth = marts_build.truth["notifications"]
    assert [tuple(int(v) for v in r[1:]) for r in report] == [
        (truth[t]["sent"], truth[t]["delivered"], truth[t]["opened"], truth[t]["failed"])
        for t, *_ in report
    ]


def test_no_notification_is_missed_or_pending_in_a_clean_sample(marts_build) -> None:
    # The simulator delivers within seconds or fails for good: every notification without
    # a delivery failed, so missed equals failed and nothing is pending.
    rows = marts_build.rows(
        "select count(*) filter (where is_missed <> (not is_delivered)), "
        "count(*) filter (where status = 'pending'), count(*) filter (where is_failed) "
        "from marts.fct_notifications"
    )
    assert rows[0][:2] == (0, 0)
    assert rows[0][2] > 0


def test_email_counts_equal_truth(marts_build) -> None:
    got = _by_tenant(marts_build.rows(EMAIL_SQL), EMAIL_KEYS)
    assert got == _expected(marts_build.truth["emails"], EMAIL_KEYS)


@pytest.mark.parametrize("column", ["opened", "clicked", "sent", "delivered"])
def test_email_campaign_report_adds_up_to_the_fact(marts_build, column: str) -> None:
    fact_column = {
        "opened": "count(*) filter (where is_opened)",
        "clicked": "count(*) filter (where is_clicked)",
        "sent": "count(*)",
        "delivered": "count(*) filter (where is_delivered)",
    }[column]
    report = marts_build.rows(f"select sum({column}) from marts.rpt_email_campaigns")
    fact = marts_build.rows(f"select {fact_column} from marts.fct_emails")
    assert report == fact
    assert fact[0][0] > 0


def test_every_click_with_a_web_device_leads_to_a_session(marts_build) -> None:
    # The simulator opens a web session 2-15 s after every click of a person with a web
    # device; the pipeline can only miss those of persons who opted out of analytics.
    rows = marts_build.rows(
        """
        select
            count(*) filter (where is_clicked),
            count(next_session_id),
            count(*) filter (where next_session_id is not null and not is_clicked)
        from marts.fct_emails
        """
    )
    clicked, with_session, without_click = rows[0]
    assert without_click == 0
    assert 0 < with_session <= clicked


def test_notification_to_conversion_funnel_equals_truth(marts_build) -> None:
    # truth notification_to_conversion: persons with an open; of those, with a session
    # starting within 1 h of some open; then an order within 24 h of such an open. Only
    # events the pipeline keeps (before the analytics opt-out) count, as in the mart.
    rows = marts_build.rows(
        """
        select tenant_id,
            count(distinct person_id) filter (where is_opened),
            count(distinct person_id) filter (where is_opened and has_session),
            count(distinct person_id) filter (where is_opened and has_session and has_order)
        from marts.fct_notification_downstream
        group by tenant_id
        """
    )
    got = {t: [int(a), int(b), int(c)] for t, a, b, c in rows}
    expected = {
        t: funnels["notification_to_conversion"]
        for t, funnels in marts_build.truth["funnels"]["by_tenant"].items()
    }
    assert got == expected
