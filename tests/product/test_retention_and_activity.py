"""Retention and active users on the marts sample: invariants the definitions imply.

The truth has no retention or DAU counts; it does count sessions per tenant, platform and
local date, and every person with a session on a day is active that day."""

from __future__ import annotations


def test_activity_cohort_is_everyone_active(marts_build) -> None:
    """Day cohorts of 'activity' partition the persons with any session."""
    rows = marts_build.rows(
        """
        select tenant_id, sum(cohort_persons)
        from marts.rpt_retention
        where retention_id = 'activity' and cohort_grain = 'day'
            and retention_mode = 'n_day' and period_index = 0
        group by tenant_id
        """
    )
    persons = marts_build.rows(
        "select tenant_id, count(distinct person_id) from marts.fct_sessions "
        "inner join marts.dim_persons using (tenant_id, person_id) where not is_bot "
        "and (analytics_opted_out_at is null or started_at <= analytics_opted_out_at) "
        "group by tenant_id"
    )
    assert dict(rows) == dict(persons)


def test_period_zero_of_activity_is_the_whole_cohort(marts_build) -> None:
    rows = marts_build.rows(
        """
        select count(*) from marts.rpt_retention
        where retention_id = 'activity' and retention_mode = 'n_day' and period_index = 0
            and is_observable and retained_persons != cohort_persons
        """
    )
    assert rows == [(0,)]


def test_unbounded_retention_bounds_n_day(marts_build) -> None:
    """Returned in period k or later >= returned in period k; never rising with k."""
    rows = marts_build.rows(
        """
        with cells as (
            select * from marts.rpt_retention where retention_mode != 'bracket'
        )
        select n_day.tenant_id, n_day.retention_id, n_day.cohort_grain,
            n_day.cohort_start_date, n_day.period_index
        from cells as n_day
        inner join cells as unbounded
            using (tenant_id, retention_id, cohort_grain, cohort_start_date, period_index)
        left join cells as next_unbounded
            on next_unbounded.tenant_id = unbounded.tenant_id
            and next_unbounded.retention_id = unbounded.retention_id
            and next_unbounded.cohort_grain = unbounded.cohort_grain
            and next_unbounded.cohort_start_date = unbounded.cohort_start_date
            and next_unbounded.retention_mode = 'unbounded'
            and next_unbounded.period_index = unbounded.period_index + 1
        where n_day.retention_mode = 'n_day' and unbounded.retention_mode = 'unbounded'
            and (unbounded.retained_persons < n_day.retained_persons
                 or next_unbounded.retained_persons > unbounded.retained_persons)
        """
    )
    assert rows == []


def test_unfinished_periods_are_not_reported(marts_build) -> None:
    """A cell is observable exactly when its period ended by the tenant's last kept
    event in local time; unobservable cells carry null, never 0."""
    rows = marts_build.rows(
        """
        with ends as (
            select events.tenant_id,
                max(events.event_at) at time zone any_value(tenants.time_zone) as data_end
            from marts.int_product_events_localized as events
            inner join staging.tenants as tenants using (tenant_id)
            group by events.tenant_id
        )
        select count(*) filter (
                where is_observable != (period_end_date::timestamp <= ends.data_end)
            ),
            count(*) filter (where not is_observable and retained_persons is not null),
            count(*) filter (where not is_observable),
            count(*) filter (where is_observable)
        from marts.rpt_retention
        inner join ends using (tenant_id)
        """
    )
    wrong_flag, reported_unobservable, unobservable, observable = rows[0]
    assert (wrong_flag, reported_unobservable) == (0, 0)
    assert unobservable > 0 and observable > 0


def test_dau_covers_every_truth_session_day(marts_build) -> None:
    """Every (tenant, platform, local date) with kept sessions in the truth has DAU > 0,
    and no day without sessions has any (DAU counts persons with session events)."""
    truth = marts_build.truth["sessions"]
    expected = set()
    for tenant, platforms in truth["by_tenant"].items():
        for platform, days in platforms.items():
            after = truth["after_opt_out"][tenant].get(platform, {})
            for day, n in days.items():
                if n - after.get(day, 0) > 0:
                    expected.add((tenant, platform, day))
    rows = marts_build.rows(
        """
        select tenant_id, platform, strftime(activity_date, '%Y-%m-%d')
        from marts.rpt_active_users
        where platform != 'all' and daily_active_users > 0
        """
    )
    started = marts_build.rows(
        """
        select distinct
            sessions.tenant_id, sessions.first_platform,
            strftime(sessions.session_date, '%Y-%m-%d')
        from marts.fct_sessions as sessions
        inner join marts.dim_persons as persons using (tenant_id, person_id)
        where not persons.is_bot
            and (persons.analytics_opted_out_at is null
                 or sessions.started_at <= persons.analytics_opted_out_at)
        """
    )
    assert set(started) == expected
    assert expected <= set(rows)


def test_lifecycle_adds_up_to_dau(marts_build) -> None:
    rows = marts_build.rows(
        """
        select count(*) from marts.rpt_active_users
        where daily_active_users != new_users + returning_users + resurrected_users
            or weekly_active_users < daily_active_users
            or monthly_active_users < weekly_active_users
        """
    )
    assert rows == [(0,)]
