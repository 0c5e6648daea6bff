"""Sync marts against the simulator's truth: starts, completions and failures per
connectivity, and conflicts, equal what was emitted (operational: no analytics opt-out in the
marts) less what ingest dropped after analytics opt-outs (background syncs go on after one)."""

from __future__ import annotations

SYNC_SQL = """
    select tenant_id, 'started.' || connectivity, count(*) filter (where has_start_event)
    from marts.fct_sync_runs group by all
    union all
    select tenant_id, 'completed.' || connectivity, count(*) filter (where is_completed)
    from marts.fct_sync_runs group by all
    union all
    select tenant_id, 'failed.' || connectivity, count(*) filter (where is_failed)
    from marts.fct_sync_runs group by all
    union all
    select tenant_id, 'conflicts', sum(conflicts) from marts.fct_sync_runs group by all
"""


def test_sync_counts_equal_truth(marts_build) -> None:
    got: dict[str, dict[str, int]] = {}
    for tenant, key, n in marts_build.rows(SYNC_SQL):
        if n:
            got.setdefault(tenant, {})[key] = int(n)
    assert any(o["syncs"] for o in marts_build.truth["opt_outs"].values())
    kept = marts_build.truth["syncs_kept"]
    assert got == {tenant: counts for tenant, counts in kept.items() if counts}


def test_every_sync_ends_in_a_clean_sample(marts_build) -> None:
    # The simulator ends every sync it starts, so none may be left incomplete.
    assert marts_build.rows(
        "select count(*) from marts.fct_sync_runs where outcome = 'incomplete'"
    ) == [(0,)]


def test_sync_health_report_adds_up_to_the_fact(marts_build) -> None:
    report = marts_build.rows(
        "select tenant_id, connectivity, sum(syncs), sum(completed), sum(failed) "
        "from marts.rpt_sync_health group by all having sum(syncs) > 0 order by all"
    )
    truth = marts_build.truth["syncs_kept"]
    expected = sorted(
        (
            tenant,
            key.split(".")[1],
            n,
            counts.get(f"completed.{key.split('.')[1]}", 0),
            counts.get(f"failed.{key.split('.')[1]}", 0),
        )
        for tenant, counts in truth.items()
        for key, n in counts.items()
        if key.startswith("started.")
    )
    assert [(t, c, int(a), int(b), int(d)) for t, c, a, b, d in report] == expected


def test_session_staleness_is_never_negative(marts_build) -> None:
    rows = marts_build.rows(
        "select count(*), count(staleness_minutes), min(staleness_minutes) "
        "from marts.fct_session_sync_staleness"
    )
    sessions, with_sync, shortest = rows[0]
    assert sessions > 0 and 0 < with_sync <= sessions
    assert shortest >= 0
