"""Deterministic simulator of Segment/RudderStack-shaped SDK exports with ground truth.

``generate(out_dir, users=..., days=..., seed=...)`` writes
``out_dir/tenant=<tenant>/<source>/<YYYY-MM-DD>.jsonl.gz`` (one gzip file per tenant, source
and UTC day of receipt) and ``out_dir/truth.json`` (schema: :mod:`signalhouse.simulator.truth`).
The same arguments always give byte-identical files, whatever ``workers`` is.
"""

from signalhouse.simulator.generate import GenerateResult, generate

__all__ = ["GenerateResult", "generate"]
