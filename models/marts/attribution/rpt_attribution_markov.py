"""Markov-chain (removal effect) attribution: one row per tenant, channel and currency. The
chain and its removal effects are computed per tenant over fct_attribution_paths (the
journeys of converting and not converting persons); see signalhouse/attribution_markov.py."""

from __future__ import annotations

from signalhouse import attribution_markov as markov
from signalhouse import python_models


def model(dbt, session):
    dbt.config(materialized="table")
    frame = markov.credits_from_paths(dbt.ref("fct_attribution_paths"))
    return python_models.from_pandas(session, frame, markov.MART_TYPES)
