"""Markov-chain attribution by removal effect (first order), as in Anderl et al. (2016) and
the ChannelAttribution package.

Every journey is a path start -> channel -> ... -> conversion | null. Transition
probabilities are the observed transition counts normalized per state. The conversion
probability is the probability that a walk from start is absorbed in conversion; removing a
channel sends every transition into it to null. A channel's removal effect is the relative
drop in conversion probability without it; conversions are credited in proportion to the
removal effects.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from signalhouse.python_models import is_spark

START, CONVERSION, NULL = "(start)", "(conversion)", "(null)"
# The mart's column types as Spark SQL names them (python_models.from_pandas on Spark).
MART_TYPES = {
    "tenant_id": "string",
    "channel": "string",
    "currency": "string",
    "paths_with_channel": "bigint",
    "conversions_with_channel": "bigint",
    "removal_effect": "double",
    "credit_share": "double",
    "conversions_credited": "double",
    "revenue_credited": "double",
}
MART_COLUMNS = list(MART_TYPES)
NO_TOUCH = "(no touch)"

TRANSITIONS_SQL = """
with states_listed as (
    select
        tenant_id,
        list_concat(
            ['(start)'], channels, [if(is_converted, '(conversion)', '(null)')]
        ) as states
    from paths
    where len(channels) > 0
),
steps as (
    select tenant_id, states, unnest(range(1, len(states))) as i
    from states_listed
)
select tenant_id, states[i] as from_state, states[i + 1] as to_state, count(*) as transitions
from steps
group by all
order by all
"""

CHANNELS_SQL = """
with path_channels as (
    select distinct tenant_id, path_id, is_converted, unnest(channels) as channel
    from paths
)
select
    tenant_id,
    channel,
    count(*) as paths_with_channel,
    count(*) filter (where is_converted) as conversions_with_channel
from path_channels
group by all
order by all
"""

CONVERSIONS_SQL = """
select
    tenant_id,
    len(channels) > 0 as has_touch,
    coalesce(currency, '(none)') as currency,
    count(*) as conversions,
    -- summed in path order: reruns give the same result
    coalesce(sum(revenue order by path_id), 0) as revenue
from paths
where is_converted
group by all
order by all
"""

# The same three aggregates in Spark SQL (no list literals, `unnest` or ordered `sum`).
SPARK_TRANSITIONS_SQL = """
with states_listed as (
    select
        tenant_id,
        concat(
            array('(start)'), channels, array(if(is_converted, '(conversion)', '(null)'))
        ) as states
    from paths
    where size(channels) > 0
),
steps as (
    select tenant_id, states, i
    from states_listed
    lateral view explode(sequence(1, size(states) - 1)) step as i
)
select
    tenant_id,
    element_at(states, i) as from_state,
    element_at(states, i + 1) as to_state,
    count(*) as transitions
from steps
group by tenant_id, element_at(states, i), element_at(states, i + 1)
order by 1, 2, 3
"""

SPARK_CHANNELS_SQL = """
with path_channels as (
    select distinct tenant_id, path_id, is_converted, channel
    from paths
    lateral view explode(channels) path_channel as channel
)
select
    tenant_id,
    channel,
    count(*) as paths_with_channel,
    count_if(is_converted) as conversions_with_channel
from path_channels
group by tenant_id, channel
order by 1, 2
"""

SPARK_CONVERSIONS_SQL = """
select
    tenant_id,
    size(channels) > 0 as has_touch,
    coalesce(currency, '(none)') as currency,
    count(*) as conversions,
    -- summed in path order, as on DuckDB: reruns give the same result
    aggregate(
        array_sort(collect_list(struct(path_id, revenue))),
        cast(0 as double),
        (total, path) -> total + coalesce(path.revenue, 0)
    ) as revenue
from paths
where is_converted
group by tenant_id, size(channels) > 0, coalesce(currency, '(none)')
order by 1, 2, 3
"""


def transition_counts(paths: Iterable[tuple[Sequence[str], bool]]) -> Counter:
    """Counts of (from state, to state) over paths given as (channels, is_converted).
    Paths without channels carry no information about channels and are skipped."""
    counts: Counter = Counter()
    for channels, is_converted in paths:
        if not channels:
            continue
        states = [START, *channels, CONVERSION if is_converted else NULL]
        counts.update(zip(states[:-1], states[1:], strict=True))
    return counts


def conversion_probability(counts: Counter, removed: str | None = None) -> float:
    """Probability that a walk from start ends in conversion, with `removed` (a channel)
    redirected to null. Solves (I - Q) x = r over the transient states."""
    transient = sorted({src for src, _ in counts} - {removed})
    index = {state: i for i, state in enumerate(transient)}
    out_total: Counter = Counter()
    for (src, _), n in counts.items():
        out_total[src] += n
    q = np.zeros((len(transient), len(transient)))
    r = np.zeros(len(transient))
    for (src, dst), n in sorted(counts.items()):
        if src == removed:
            continue
        p = n / out_total[src]
        if dst == CONVERSION:
            r[index[src]] += p
        elif dst in index:
            q[index[src], index[dst]] += p
        # else: into null or into the removed channel, which is now null
    if START not in index:
        return 0.0
    absorbed = np.linalg.solve(np.eye(len(transient)) - q, r)
    return float(absorbed[index[START]])


def removal_effects(paths: Iterable[tuple[Sequence[str], bool]]) -> dict[str, float]:
    """Removal effect per channel: 1 - P(conversion without it) / P(conversion)."""
    return effects_from_counts(transition_counts(paths))


def effects_from_counts(counts: Counter) -> dict[str, float]:
    """Removal effect per channel of the chain given by its transition counts."""
    total = conversion_probability(counts)
    channels = sorted({src for src, _ in counts} - {START})
    if total == 0:
        return dict.fromkeys(channels, 0.0)
    return {
        channel: 1.0 - conversion_probability(counts, removed=channel) / total
        for channel in channels
    }


def credit_shares(effects: dict[str, float]) -> dict[str, float]:
    """Removal effects normalized to sum to 1 (all zero when no channel matters)."""
    total = sum(effects.values())
    return {c: (e / total if total > 0 else 0.0) for c, e in effects.items()}


def markov_credits(
    transitions: pd.DataFrame, channels: pd.DataFrame, conversions: pd.DataFrame
) -> pd.DataFrame:
    """The rows of rpt_attribution_markov from three small aggregates computed in SQL:
    transitions (tenant_id, from_state, to_state, transitions), channels (tenant_id,
    channel, paths_with_channel, conversions_with_channel) and conversions (tenant_id,
    has_touch, currency, conversions, revenue)."""
    rows = []
    for tenant_id, totals in conversions.groupby("tenant_id", sort=True):
        tenant_transitions = transitions[transitions.tenant_id == tenant_id]
        counts = Counter(
            {
                (src, dst): int(n)
                for src, dst, n in zip(
                    tenant_transitions.from_state,
                    tenant_transitions.to_state,
                    tenant_transitions.transitions,
                    strict=True,
                )
            }
        )
        effects = effects_from_counts(counts)
        shares = credit_shares(effects)
        stats = channels[channels.tenant_id == tenant_id].set_index("channel")
        for total in totals.sort_values(["has_touch", "currency"]).itertuples():
            if not total.has_touch:
                rows.append(
                    (
                        tenant_id,
                        NO_TOUCH,
                        total.currency,
                        0,
                        int(total.conversions),
                        None,
                        None,
                        float(total.conversions),
                        float(total.revenue),
                    )
                )
                continue
            for channel in sorted(effects):
                rows.append(
                    (
                        tenant_id,
                        channel,
                        total.currency,
                        int(stats.paths_with_channel[channel]),
                        int(stats.conversions_with_channel[channel]),
                        effects[channel],
                        shares[channel],
                        shares[channel] * total.conversions,
                        shares[channel] * total.revenue,
                    )
                )
    frame = pd.DataFrame(rows, columns=MART_COLUMNS)
    return frame.astype(
        {
            "paths_with_channel": "int64",
            "conversions_with_channel": "int64",
            "removal_effect": "float64",
            "credit_share": "float64",
            "conversions_credited": "float64",
            "revenue_credited": "float64",
        }
    )


def credits_from_paths(paths: duckdb.DuckDBPyRelation | Any) -> pd.DataFrame:
    """rpt_attribution_markov from a relation shaped like fct_attribution_paths (a DuckDB
    relation, or a pyspark DataFrame on Spark): the heavy aggregation runs in the engine,
    only the per-tenant transition counts reach Python."""
    if not is_spark(paths):
        return markov_credits(
            paths.query("paths", TRANSITIONS_SQL).df(),
            paths.query("paths", CHANNELS_SQL).df(),
            paths.query("paths", CONVERSIONS_SQL).df(),
        )
    paths.createOrReplaceTempView("paths")
    spark = paths.sparkSession
    return markov_credits(
        spark.sql(SPARK_TRANSITIONS_SQL).toPandas(),
        spark.sql(SPARK_CHANNELS_SQL).toPandas(),
        spark.sql(SPARK_CONVERSIONS_SQL).toPandas(),
    )
