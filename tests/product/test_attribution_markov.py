"""Markov-chain attribution: hand-computed chains, an independent solver, and the mart's
reconciliation with fct_conversions."""

from __future__ import annotations

import random

import duckdb
import pytest

from signalhouse import attribution_markov as markov
from signalhouse.attribution_markov import CONVERSION, START

# Paths (A, B) -> conversion, (A) -> null, (B) -> conversion. By hand: P(start->A) = 2/3,
# P(start->B) = 1/3, P(A->B) = P(A->null) = 1/2, P(B->conv) = 1, so
# P(conv) = 2/3 * 1/2 + 1/3 = 2/3. Without A: 1/3 (effect 1/2); without B: 0 (effect 1).
HAND_PATHS = [(["A", "B"], True), (["A"], False), (["B"], True)]


def test_hand_computed_chain() -> None:
    counts = markov.transition_counts(HAND_PATHS)
    assert markov.conversion_probability(counts) == pytest.approx(2 / 3, abs=1e-12)
    assert markov.conversion_probability(counts, removed="A") == pytest.approx(1 / 3, abs=1e-12)
    assert markov.conversion_probability(counts, removed="B") == pytest.approx(0.0, abs=1e-12)
    effects = markov.removal_effects(HAND_PATHS)
    assert effects == pytest.approx({"A": 0.5, "B": 1.0}, abs=1e-12)
    assert markov.credit_shares(effects) == pytest.approx({"A": 1 / 3, "B": 2 / 3}, abs=1e-12)


def test_paths_without_touches_and_without_conversions() -> None:
    # A path without channels says nothing about channels; no conversion at all: no credit.
    assert markov.removal_effects([*HAND_PATHS, ([], True)]) == markov.removal_effects(HAND_PATHS)
    effects = markov.removal_effects([(["A"], False), (["B", "A"], False)])
    assert effects == {"A": 0.0, "B": 0.0}
    assert markov.credit_shares(effects) == {"A": 0.0, "B": 0.0}


def test_repeats_of_a_channel_do_not_change_its_effect() -> None:
    # A self-loop only delays leaving the state: the absorption probabilities are the same.
    repeated = [(["A", "A", "B"], True), (["A", "A"], False), (["B", "B"], True)]
    assert markov.removal_effects(repeated) == pytest.approx(
        markov.removal_effects(HAND_PATHS), abs=1e-12
    )


def _absorption_by_iteration(paths, removed=None, rounds=20_000) -> float:
    """An independent solver: push probability mass along the chain until it is absorbed."""
    counts = markov.transition_counts(paths)
    out: dict[str, float] = {}
    for (src, _), n in counts.items():
        out[src] = out.get(src, 0) + n
    mass = {START: 1.0}
    converted = 0.0
    for _ in range(rounds):
        nxt: dict[str, float] = {}
        for (src, dst), n in counts.items():
            if src not in mass or src == removed:
                continue
            flow = mass[src] * n / out[src]
            if dst == CONVERSION:
                converted += flow
            elif dst in out and dst != removed:
                nxt[dst] = nxt.get(dst, 0.0) + flow
        mass = nxt
        if sum(mass.values()) < 1e-15:
            break
    return converted


def test_solver_agrees_with_iteration_on_random_journeys() -> None:
    rng = random.Random(7)
    channels = ["Direct", "Email", "Paid Search", "Organic Search", "Mobile Push"]
    paths = [
        ([rng.choice(channels) for _ in range(rng.randint(1, 6))], rng.random() < 0.3)
        for _ in range(400)
    ]
    counts = markov.transition_counts(paths)
    for removed in [None, *channels]:
        assert markov.conversion_probability(counts, removed=removed) == pytest.approx(
            _absorption_by_iteration(paths, removed=removed), abs=1e-9
        )


def test_mart_rows_reconcile_conversions_and_revenue() -> None:
    connection = duckdb.connect()
    paths = connection.sql(
        """
        select * from (values
            ('t', 'c1', true, 'USD', 10.0, ['A', 'B']),
            ('t', 'open:p2', false, null, null, ['A']),
            ('t', 'c3', true, 'EUR', 30.0, ['B']),
            ('t', 'c4', true, 'USD', 5.0, []::varchar[])
        ) as paths(tenant_id, path_id, is_converted, currency, revenue, channels)
        """
    )
    frame = markov.credits_from_paths(paths).set_index(["channel", "currency"])
    assert frame.loc[("A", "USD"), "conversions_credited"] == pytest.approx(1 / 3)
    assert frame.loc[("B", "USD"), "revenue_credited"] == pytest.approx(10 * 2 / 3)
    assert frame.loc[("B", "EUR"), "conversions_credited"] == pytest.approx(2 / 3)
    assert frame.loc[("(no touch)", "USD"), "conversions_credited"] == 1.0
    assert frame.loc[("A", "USD"), "paths_with_channel"] == 2
    assert frame.loc[("B", "USD"), "conversions_with_channel"] == 2
    totals = frame.groupby(level="currency")[["conversions_credited", "revenue_credited"]].sum()
    assert totals.loc["USD"].tolist() == pytest.approx([2.0, 15.0])
    assert totals.loc["EUR"].tolist() == pytest.approx([1.0, 30.0])


def test_markov_mart_credits_every_conversion_once(marts_build) -> None:
    mismatches = marts_build.rows(
        """
        with credited as (
            select tenant_id, currency, sum(conversions_credited) as conversions,
                sum(revenue_credited) as revenue
            from marts.rpt_attribution_markov
            group by all
        ),
        converted as (
            select tenant_id, coalesce(currency, '(none)') as currency, count(*) as conversions,
                sum(coalesce(revenue, 0)) as revenue
            from marts.fct_conversions
            group by all
        )
        select *
        from credited full join converted using (tenant_id, currency)
        where credited.conversions is null or converted.conversions is null
            or abs(credited.conversions - converted.conversions) > 1e-9
            or abs(credited.revenue - converted.revenue) > 1e-6 * greatest(1, converted.revenue)
        """
    )
    assert mismatches == []
    effects = marts_build.rows(
        "select min(removal_effect), max(removal_effect), count(distinct tenant_id) "
        "from marts.rpt_attribution_markov where channel != '(no touch)'"
    )
    low, high, tenants = effects[0]
    assert low >= 0 and 0 < high <= 1 and tenants == 2


def test_markov_mart_equals_the_chain_over_its_paths(marts_build) -> None:
    """The mart's removal effects are the chain's over fct_attribution_paths, per tenant."""
    rows = marts_build.rows(
        "select tenant_id, channels, is_converted from marts.fct_attribution_paths "
        "order by tenant_id, path_id"
    )
    mart = {
        (tenant, channel): effect
        for tenant, channel, effect in marts_build.rows(
            "select distinct tenant_id, channel, removal_effect from marts.rpt_attribution_markov "
            "where channel != '(no touch)'"
        )
    }
    expected = {}
    for tenant in {row[0] for row in rows}:
        paths = [(channels, converted) for t, channels, converted in rows if t == tenant]
        for channel, effect in markov.removal_effects(paths).items():
            expected[(tenant, channel)] = effect
    assert mart.keys() == expected.keys()
    assert all(mart[key] == pytest.approx(expected[key], abs=1e-12) for key in expected)
