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
