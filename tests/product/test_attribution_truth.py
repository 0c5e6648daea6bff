"""Conversions and attribution against the simulator's truth."""

from __future__ import annotations

import pytest


def test_conversions_per_tenant_equal_truth(marts_build) -> None:
    """Kept orders = truth orders minus those after an analytics opt-out, per tenant."""
    rows = marts_build.rows(
        "select tenant_id, count(*) from marts.fct_conversions "
        "where conversion_name = 'order' group by tenant_id"
    )
    conversions = marts_build.truth["conversions"]
    expected = {t: c["orders"] - c["orders_after_opt_out"] for t, c in conversions.items()}
    assert dict(rows) == expected


def test_revenue_by_currency_equals_truth(marts_build) -> None:
    """Truth revenue counts every emitted order. Ingest drops the orders after an analytics
    opt-out (consent_suppressed), so staged and kept revenue both equal the truth's revenue
    less the revenue of those orders."""
    kept = marts_build.rows(
        "select tenant_id, currency, round(sum(revenue), 2) from marts.fct_conversions group by all"
    )
    staged = marts_build.rows(
        "select tenant_id, currency, round(sum(revenue), 2) "
        "from staging.stg_segment__orders group by all"
    )
    conversions = marts_build.truth["conversions"]
    expected = {
        (t, currency): round(amount - c["revenue_after_opt_out"][currency], 2)
        for t, c in conversions.items()
        for currency, amount in c["revenue"].items()
        if amount
    }
    assert any(c["orders_after_opt_out"] for c in conversions.values())
    assert {(t, cur): amount for t, cur, amount in staged} == expected
    assert {(t, cur): amount for t, cur, amount in kept} == expected


@pytest.mark.parametrize(
    "model",
    ["first_touch", "last_touch", "last_non_direct", "linear", "position_based", "time_decay"],
)
def test_every_model_credits_every_conversion_once(marts_build, model: str) -> None:
    rows = marts_build.rows(
        """
        select tenant_id, round(sum(conversions_credited), 9), round(sum(revenue_credited), 2)
        from marts.rpt_attribution_by_channel
        where attribution_model = ?
        group by tenant_id
        """,
        [model],
    )
    totals = marts_build.rows(
        "select tenant_id, count(*), round(sum(revenue), 2) from marts.fct_conversions "
        "group by tenant_id"
    )
    assert {t: (n, r) for t, n, r in rows} == {t: (float(n), r) for t, n, r in totals}


def test_touches_include_every_message_channel(marts_build) -> None:
    """Email clicks are Email, pushes Mobile Push, in-app messages In-App."""
    rows = marts_build.rows(
        "select distinct touch_type, channel from marts.fct_attribution_touches "
        "where touch_type in ('email_click', 'notification_open')"
    )
    assert set(rows) == {
        ("email_click", "Email"),
        ("notification_open", "Mobile Push"),
        ("notification_open", "In-App"),
    }
