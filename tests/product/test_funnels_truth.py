"""The configured demo funnels recover the simulator's funnel truth exactly."""

from __future__ import annotations


def test_demo_funnel_step_counts_equal_truth(marts_build) -> None:
    """rpt_funnel_steps (all persons, no breakdown) = truth["funnels"]["by_tenant"]."""
    rows = marts_build.rows(
        """
        select tenant_id, funnel_id, list(persons_completed order by step_index)
        from marts.rpt_funnel_steps
        where breakdown_type = 'all'
        group by all
        """
    )
    truth_funnels = marts_build.truth["funnels"]["steps"]
    actual = {
        (tenant, funnel): counts for tenant, funnel, counts in rows if funnel in truth_funnels
    }
    expected = {
        (tenant, funnel): counts
        for tenant, funnels in marts_build.truth["funnels"]["by_tenant"].items()
        for funnel, counts in funnels.items()
    }
    assert all(counts[0] > 0 for counts in expected.values()), "sample has empty funnels"
    assert actual == expected


def test_demo_funnel_steps_are_named_as_in_truth(marts_build) -> None:
    rows = marts_build.rows(
        "select funnel_id, list(step_name order by step_index) from staging.funnel_steps "
        "group by funnel_id"
    )
    truth_steps = marts_build.truth["funnels"]["steps"]
    assert {funnel: steps for funnel, steps in rows if funnel in truth_steps} == truth_steps


def test_funnel_progress_agrees_with_step_report(marts_build) -> None:
    """Each person counts once per funnel: the report's step counts are the progress rows."""
    mismatches = marts_build.rows(
        """
        with from_progress as (
            select
                progress.tenant_id,
                progress.funnel_id,
                steps.step_index,
                count(*) filter (where progress.furthest_step_index >= steps.step_index)
                    as persons_completed
            from marts.fct_funnel_progress as progress
            inner join staging.funnel_steps as steps using (funnel_id)
            group by all
        )
        select *
        from from_progress
        full join (
            select tenant_id, funnel_id, step_index, persons_completed
            from marts.rpt_funnel_steps
            where breakdown_type = 'all'
        ) as report using (tenant_id, funnel_id, step_index)
        where from_progress.persons_completed is distinct from report.persons_completed
        """
    )
    assert mismatches == []


def test_breakdowns_partition_the_persons(marts_build) -> None:
    """Single-valued breakdowns (platform, channel, plan tier) sum to the `all` row."""
    rows = marts_build.rows(
        """
        select
            breakdowns.tenant_id, breakdowns.funnel_id, breakdowns.breakdown_type,
            breakdowns.step_index, sum(breakdowns.persons_completed), any_value(total.n)
        from marts.rpt_funnel_steps as breakdowns
        inner join (
            select tenant_id, funnel_id, step_index, persons_completed as n
            from marts.rpt_funnel_steps
            where breakdown_type = 'all'
        ) as total using (tenant_id, funnel_id, step_index)
        where breakdowns.breakdown_type in ('platform', 'channel', 'plan_tier')
        group by all
        """
    )
    assert rows, "no breakdown rows"
    assert [r for r in rows if r[4] != r[5]] == []
    types = {r[2] for r in rows}
    assert types == {"platform", "channel", "plan_tier"}


def test_api_funnel_counted_in_accounts_equals_truth(marts_build) -> None:
    """rpt_funnel_steps_by_account recovers the API activation truth in accounts.

    The simulator's key owner is the one person per account who creates the key and calls
    the API, so its per-person api_activation truth is also the per-account truth. The
    account comes from two independent routes: the model maps persons to accounts by their
    latest group call; here the accounts are read from the API Key Created events' own
    properties.account_id, and the two sets of accounts must agree at step 1.
    """
    rows = marts_build.rows(
        """
        select tenant_id, list(accounts_completed order by step_index)
        from marts.rpt_funnel_steps_by_account
        where funnel_id = 'api_activation'
        group by tenant_id
        """
    )
    expected = {
        tenant: funnels["api_activation"]
        for tenant, funnels in marts_build.truth["funnels"]["by_tenant"].items()
    }
    assert sum(counts[0] for counts in expected.values()) > 0, "sample has no API accounts"
    assert dict(rows) == expected

    keyed_accounts = dict(
        marts_build.rows(
            """
            select tenant_id, count(distinct payload ->> '$.properties.account_id')
            from marts.fct_analytics_events
            where event_name = 'API Key Created'
            group by tenant_id
            """
        )
    )
    assert keyed_accounts == {tenant: counts[0] for tenant, counts in expected.items()}


def test_only_account_funnels_are_counted_in_accounts(marts_build) -> None:
    """The seed's counting_units decides which funnels rpt_funnel_steps_by_account holds."""
    in_report = {
        row[0]
        for row in marts_build.rows(
            "select distinct funnel_id from marts.rpt_funnel_steps_by_account"
        )
    }
    configured = {
        row[0]
        for row in marts_build.rows(
            "select funnel_id from staging.funnels where counting_units like '%account%'"
        )
    }
    assert configured == {"api_activation"}
    assert in_report == configured
