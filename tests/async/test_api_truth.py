"""API marts against the simulator's truth: requests by status class, keys created, plan
tiers, and the api_activation funnel (operational: no analytics opt-out)."""

from __future__ import annotations

import re


def test_api_request_counts_equal_truth(marts_build) -> None:
    rows = marts_build.rows(
        """
        select tenant_id, count(*), count(*) filter (where status_class = '2xx'),
            count(*) filter (where is_client_error), count(*) filter (where is_server_error)
        from marts.fct_api_requests group by tenant_id
        """
    )
    keys = marts_build.rows(
        "select tenant_id, sum(keys_created) from marts.rpt_api_value_realization group by 1"
    )
    got = {
        t: {"requests": n, "status_2xx": ok, "status_4xx": c4, "status_5xx": c5}
        for t, n, ok, c4, c5 in rows
    }
    for tenant, n in keys:
        if n:
            got[tenant]["keys_created"] = int(n)
    assert got == marts_build.truth["api"]


def test_plan_tier_is_the_accounts_tier(marts_build) -> None:
    rows = marts_build.rows(
        "select distinct tenant_id, account_id, plan_tier from marts.fct_api_requests"
    )
    truth = {
        (t, a["account_id"]): a["plan_tier"]
        for t, doc in marts_build.truth["tenants"].items()
        for a in doc["accounts"]
    }
    assert rows, "no API requests in the sample"
    assert {(t, a): tier for t, a, tier in rows} == {(t, a): truth[(t, a)] for t, a, _ in rows}


def test_api_activation_funnel_equals_truth(marts_build) -> None:
    # truth api_activation: key owners with a key created in the window; of those, a
    # successful call after it; then another successful call in a later ISO week.
    rows = marts_build.rows(
        """
        select tenant_id,
            count(*),
            count(*) filter (where first_successful_request_at >= key_created_at),
            count(*) filter (
                where first_successful_request_at >= key_created_at
                and is_active_in_later_week
            )
        from marts.rpt_api_value_realization
        where key_created_at is not null
        group by tenant_id
        """
    )
    got = {t: [int(a), int(b), int(c)] for t, a, b, c in rows}
    expected = {
        t: funnels["api_activation"]
        for t, funnels in marts_build.truth["funnels"]["by_tenant"].items()
    }
    assert got == expected


def test_no_endpoint_keeps_an_id(marts_build) -> None:
    endpoints = [
        e for (e,) in marts_build.rows("select distinct endpoint from marts.fct_api_requests")
    ]
    assert endpoints
    assert not [e for e in endpoints if re.search(r"/(\d+|u_[0-9a-f]+)(/|$)", e)]
    unmapped = marts_build.rows(
        "select count(*) from marts.fct_api_requests where journey_step = 'unmapped'"
    )
    assert unmapped == [(0,)], (
        "every simulated endpoint is in seeds/api/api_endpoint_journey_map.csv"
    )
