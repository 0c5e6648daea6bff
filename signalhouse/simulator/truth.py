"""Ground truth of a simulator run: the schema of ``truth.json`` and the code that builds it.

``truth.json`` sits next to the ``tenant=*`` folders. All timestamps are ISO 8601 UTC with
milliseconds (``2026-10-12T08:15:30.123Z``); all semantic counts are computed on the emitted
``timestamp`` field (= receivedAt - (sentAt - originalTimestamp); it equals the device's event
time plus the network latency of the session, tens to hundreds of ms, and is immune to device
clock skew). Keys of objects are sorted. Shape::

    schema_version: 1
    generator:
      name, version, arguments {users, days, seed, tenants, defects, start_date},
      start_date, end_date            # the simulated window, local tenant days, end inclusive
      window_utc: [start, end)        # sessions start inside this UTC interval
    tenants: {tenant_id: {
      time_zone,                      # IANA name; local dates below use it
      persons: [{                     # every simulated human, including never-signed-up ones
        person_key,                   # "<tenant>-p000123", stable for (seed, users, tenants)
        category,                     # existing (signed up before the window) | new | anonymous
        user_id | null,               # null: never signed up (anonymous ids only)
        previous_ids[],               # old user ids joined by an `alias` call (previousId)
        anonymous_ids[], device_ids[],  # every device/browser of the person (incl. shared ones)
        emails[],                     # as emitted in identify traits, before normalisation
        signed_up_at | null, first_platform, plan_tier | null, account_id | null,
        opted_out_at | null,          # timestamp of the Consent Updated that denied analytics
        events_after_opt_out,         # distinct valid messages of the person after it
        marketing_consent,            # granted marketing (users: at sign-up; existing users'
                                      # choice is re-sent by the backend at the window start)
        clock_skew_ms[] }],           # device clock offsets (originalTimestamp/sentAt shifted)
      shared_anonymous_ids: [{anonymous_id, person_keys[]}],  # one tablet, two people
      bot_anonymous_ids[],            # web crawlers: not persons
      accounts: [{account_id, name, plan_tier, employees, owner_person_key, api_key_id,
                  key_before_window, creates_key, integration_type}] }}
    files: {"tenant=<t>/<source>/<YYYY-MM-DD>.jsonl.gz": {
      tenant, source, date,           # date = UTC day of receivedAt (late lines land later)
      lines_written,                  # = valid_lines + sum(defects) + blank_lines
      valid_lines, blank_lines,
      defects: {kind: n},             # invalid lines, exactly one kind each (see below)
      odd: {kind: n},                 # valid lines that are odd; kinds may overlap
      truncated_archive,              # true for the one file whose gzip stream is cut
      lines_intact, partial_line,     # complete lines recoverable before the cut
      valid_lines_intact, blank_lines_intact, defects_intact: {kind: n} }}
    totals: {files, lines_written, valid_lines, blank_lines, defects: {}, odd: {}}
    messages: {tenant: {
      distinct_valid_messages,        # distinct messageIds over all valid lines
      distinct_valid_messages_intact, # minus those only present after the archive cut
      duplicates: {duplicate_same_file, duplicate_other_file, duplicate_days_later},
      collisions, collided_message_ids[] }}  # the first-received line of the id is the true one
    conversions: {tenant: {orders, orders_after_opt_out, orders_by_currency: {USD, EUR},
                           revenue: {USD, EUR}, revenue_after_opt_out: {USD, EUR}}}
    sessions: {definition, by_tenant: {tenant: {platform: {local_date: n}}},
               after_opt_out: {same shape}, bots: {tenant: {local_date: n}},
               exact_30_minute_gaps: [{tenant, person_key, anonymous_id, platform,
                                       gap_from, gap_to}]}
    funnels: {definitions: {funnel: text}, steps: {funnel: [step names]},
              by_tenant: {tenant: {funnel: [persons at step 1, 2, ...]}}}
    experiments: {experiment_id: {variants: {variant: weight}, control, true_relative_effect,
                  effect_on, assigned: {tenant: {variant: persons}},
                  converted: {tenant: {variant: persons}}}}
    click_model: {examine: {rank: p}, examine_formula, item_attractiveness: {item_id: a},
                  ranking_noise_sd: {model_version: sd}, surfaces, model_versions}
    notifications | emails | syncs | api | recommendations: {tenant: {metric: n}}
    opt_outs: {tenant: {persons, events_after_opt_out,
                        by_event: {event name or type[.model_version]: n},
                        syncs: {same keys as syncs}}}  # events after the opt-outs
    syncs_kept: {tenant: {metric: n}}  # syncs less opt_outs.syncs (what ingest keeps); no zeros
    truncated_archive: null | {file, compressed_bytes_full, compressed_bytes_written,
                               lines_written, lines_intact, partial_line,
                               lost: {valid_lines, distinct_messages, by_event: {name: n}}}
    oversized: null | {file, bytes}

Defect kinds (``files.*.defects``): not_json, truncated, trailing_garbage, not_an_object,
invalid_unicode, duplicate_key, non_finite_number, wrong_type:messageId,
wrong_type:properties, wrong_type:context, wrong_type:timestamp, wrong_type:userId,
missing_field:type, missing_field:messageId, missing_field:event,
missing_field:anonymousId_or_userId, invalid_timestamp, unknown_type, oversized.
Odd kinds (``files.*.odd``): duplicate_same_file, duplicate_other_file, duplicate_days_later,
collision, placeholder_id, clock_skew, late_delivery (file date after the UTC date of
``timestamp``), bot, unicode (any non-ASCII character).

A line is *valid* when it is at most 1 MiB, valid UTF-8, one JSON object without duplicate keys
or NaN/Infinity, whose ``type`` is one of track|identify|page|screen|alias|group, with a string
``messageId``, an object ``context``, object ``properties`` when present, string ``userId`` when
present, ``event`` on track calls, at least one of anonymousId/userId, and ISO 8601 strings in
timestamp/originalTimestamp/sentAt/receivedAt (see contract/events/envelope/v1.json).
Placeholder ids ("null", "undefined", "0", "", "anonymous") only ever replace one of the two ids,
so such lines stay valid.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from typing import Any

from signalhouse.simulator.catalogue import CLIENT_SOURCES
from signalhouse.simulator.world import (
    EXAMINE_EXPONENT,
    EXPERIMENTS,
    RANKING_NOISE_SD,
    examine,
    item_attractiveness,
    item_id,
)

SCHEMA_VERSION = 1

SESSION_DEFINITION = (
    "A session is a burst of client events (sources web/ios/android; page, screen, track, "
    "identify, alias) of one person on one platform, excluding events whose "
    "properties.is_background is true (background syncs, notifications displayed or dismissed "
    "while the app was closed). Gaps inside a session are < 10 minutes except the listed "
    "exact_30_minute_gaps, which the truth keeps inside their session (rule: a new session "
    "starts after a gap strictly greater than 30 minutes); gaps between sessions of a person "
    "(across all devices) are >= 45 minutes. Counted by the tenant-local date of the first "
    "event's timestamp. Shared-device sessions belong to the person who logged in. Bots are "
    "counted separately."
)

FUNNELS = {
    "signup_to_order": {
        "steps": ["visit", "Signed Up", "Feature Used", "Order Completed"],
        "definition": "Persons with a visit (page or screen call); of those, persons with a "
        "Signed Up at or after their first visit; then a Feature Used at or after that Signed "
        "Up; then an Order Completed at or after that Feature Used; every step within 14 days "
        "(inclusive) of the first visit. Earliest qualifying event per step.",
    },
    "notification_to_conversion": {
        "steps": ["Notification Opened", "session within 1 h", "Order Completed within 24 h"],
        "definition": "Persons with a Notification Opened; of those, persons for whom some open "
        "o is followed by a session start s with o <= s <= o + 1 h (the session an open starts "
        "counts: the open is its first event); then an Order Completed t with o < t <= o + 24 h "
        "for such an open.",
    },
    "api_activation": {
        "steps": ["API Key Created", "first successful API Request", "active in a later week"],
        "definition": "Persons (key owners) with an API Key Created in the window; of those, "
        "persons with an API Request using the account's key and status_code < 400 at or after "
        "the key creation; then another such request in a later ISO week (Monday-based, UTC) "
        "than the first successful one.",
    },
}
FUNNEL_NOTE = (
    "All funnel, experiment and session counts use only events the pipeline keeps: for an "
    "opted-out person, events with timestamp after opted_out_at are excluded (the "
    "Consent Updated itself is kept). Conversions count all emitted orders and, separately, "
    "those after the opt-out."
)


class TruthBuilder:
    """Accumulates unit results in a fixed order and renders ``truth.json``."""

    def __init__(self, generator: dict[str, Any], tenants: list[Any]) -> None:
        self.generator = generator
        self.worlds = tenants
        self.persons: dict[str, list] = defaultdict(list)
        self.shared: dict[str, dict[str, list[str]]] = defaultdict(dict)
        self.bots: dict[str, list[str]] = defaultdict(list)
        self.sessions: dict[str, Counter] = defaultdict(Counter)
        self.sessions_after: dict[str, Counter] = defaultdict(Counter)
        self.bot_sessions: dict[str, Counter] = defaultdict(Counter)
        self.edges: list[dict] = []
        self.counts: dict[str, Counter] = defaultdict(Counter)
        self.revenue: dict[str, Counter] = defaultdict(Counter)
        self.funnels: dict[str, Counter] = defaultdict(Counter)
        self.assigned: dict[str, Counter] = defaultdict(Counter)
        self.converted: dict[str, Counter] = defaultdict(Counter)
        self.records: Counter = Counter()
        self.collisions: dict[str, list[dict]] = defaultdict(list)
        self.files: dict[str, dict[str, Any]] = {}
        self.truncated: dict[str, Any] | None = None
        self.oversized: dict[str, Any] | None = None

    def add_unit(self, tenant: str, frag: dict[str, Any]) -> None:
        self.persons[tenant].extend(frag["persons"])
        self.shared[tenant].update(frag["shared"])
        self.bots[tenant].extend(frag["bots"])
        self.sessions[tenant].update(frag["sessions"])
        self.sessions_after[tenant].update(frag["sessions_after_opt_out"])
        self.bot_sessions[tenant].update(frag["bot_sessions"])
        self.edges.extend({"tenant": tenant, **e} for e in frag["edge_gaps"])
        self.counts[tenant].update(frag["counts"])
        self.revenue[tenant].update(frag["revenue"])
        self.funnels[tenant].update(frag["funnels"])
        self.assigned[tenant].update(frag["exp_assigned"])
        self.converted[tenant].update(frag["exp_converted"])
        self.records[tenant] += frag["records"]
        self.collisions[tenant].extend(frag["collisions"])

    def add_file_part(self, rel: str, tenant: str, source: str, day: str, part: Any) -> None:
        f = self.files.get(rel)
        if f is None:
            f = self.files[rel] = {
                "tenant": tenant,
                "source": source,
                "date": day,
                "lines_written": 0,
                "valid_lines": 0,
                "blank_lines": 0,
                "defects": Counter(),
                "odd": Counter(),
            }
        f["lines_written"] += len(part.codes)
        f["valid_lines"] += part.valid
        f["blank_lines"] += part.blank
        f["defects"].update(part.defects)
        f["odd"].update(part.odd)

    # ------------------------------------------------------------------ render
    def render(self) -> dict[str, Any]:
        tenants = [w.tenant for w in self.worlds]
        files = {}
        totals = {
            "files": 0,
            "lines_written": 0,
            "valid_lines": 0,
            "blank_lines": 0,
            "defects": Counter(),
            "odd": Counter(),
        }
        for rel in sorted(self.files):
            f = self.files[rel]
            out = {**f, "defects": dict(f["defects"]), "odd": dict(f["odd"])}
            if "lines_intact" not in out:
                out.update(
                    truncated_archive=False,
                    lines_intact=f["lines_written"],
                    partial_line=False,
                    valid_lines_intact=f["valid_lines"],
                    blank_lines_intact=f["blank_lines"],
                    defects_intact=dict(f["defects"]),
                )
            files[rel] = out
            totals["files"] += 1
            for k in ("lines_written", "valid_lines", "blank_lines"):
                totals[k] += f[k]
            totals["defects"].update(f["defects"])
            totals["odd"].update(f["odd"])
        lost = (self.truncated or {}).get("lost", {}).get("distinct_messages_by_tenant", {})
        messages = {}
        for t in tenants:
            dup = Counter()
            for f in self.files.values():
                if f["tenant"] == t:
                    for k in (
                        "duplicate_same_file",
                        "duplicate_other_file",
                        "duplicate_days_later",
                    ):
                        dup[k] += f["odd"].get(k, 0)
            messages[t] = {
                "distinct_valid_messages": self.records[t],
                "distinct_valid_messages_intact": self.records[t] - lost.get(t, 0),
                "duplicates": {
                    k: dup[k]
                    for k in ("duplicate_same_file", "duplicate_other_file", "duplicate_days_later")
                },
                "collisions": len(self.collisions[t]),
                "collided_message_ids": sorted({c["message_id"] for c in self.collisions[t]}),
            }

        def family(t: str, prefix: str) -> dict[str, int]:
            return {
                k[len(prefix) + 1 :]: v
                for k, v in sorted(self.counts[t].items())
                if k.startswith(prefix + ".")
            }

        def nested(counter: Counter) -> dict[str, dict[str, int]]:
            out: dict[str, dict[str, int]] = {}
            for (platform, day), n in sorted(counter.items()):
                out.setdefault(platform, {})[day] = n
            return out

        world_by = {w.tenant: w for w in self.worlds}
        experiments = {}
        for exp, spec in EXPERIMENTS.items():
            experiments[exp] = {
                **spec,
                "assigned": {
                    t: {v: self.assigned[t][(exp, v)] for v in spec["variants"]} for t in tenants
                },
                "converted": {
                    t: {v: self.converted[t][(exp, v)] for v in spec["variants"]} for t in tenants
                },
                "converted_definition": "persons with an Order Completed at or after their "
                "first exposure to the experiment",
            }
        seed = self.generator["arguments"]["seed"]
        attract = item_attractiveness(seed)
        tenants_doc = {}
        for t in tenants:
            w = world_by[t]
            accounts = []
            for j in range(w.n_accounts):
                a = w.account(j)
                accounts.append(
                    {
                        "account_id": a.account_id,
                        "name": a.name,
                        "plan_tier": a.plan_tier,
                        "employees": a.employees,
                        "owner_person_key": f"{t}-p{j * 25:06d}",
                        "api_key_id": a.api_key_id,
                        "key_before_window": a.key_before_window,
                        "creates_key": a.creates_key,
                        "integration_type": a.integration_type,
                    }
                )
            tenants_doc[t] = {
                "time_zone": w.time_zone,
                "persons": self.persons[t],
                "shared_anonymous_ids": [
                    {"anonymous_id": anon, "person_keys": keys}
                    for anon, keys in sorted(self.shared[t].items())
                ],
                "bot_anonymous_ids": self.bots[t],
                "accounts": accounts,
            }
        opt_outs = {
            t: {
                "persons": sum(1 for p in self.persons[t] if p["opted_out_at"]),
                "events_after_opt_out": sum(p["events_after_opt_out"] for p in self.persons[t]),
                "by_event": family(t, "after_opt_out"),
                "syncs": family(t, "after_opt_out_syncs"),
            }
            for t in tenants
        }
        return {
            "schema_version": SCHEMA_VERSION,
            "generator": self.generator,
            "tenants": tenants_doc,
            "files": files,
            "totals": {**totals, "defects": dict(totals["defects"]), "odd": dict(totals["odd"])},
            "messages": messages,
            "conversions": {
                t: {
                    "orders": self.counts[t]["orders.all"],
                    "orders_after_opt_out": self.counts[t]["orders.after_opt_out"],
                    "orders_by_currency": {
                        c: self.counts[t][f"orders.{c}"] for c in ("USD", "EUR")
                    },
                    "revenue": {c: round(self.revenue[t][c] / 100, 2) for c in ("USD", "EUR")},
                    "revenue_after_opt_out": {
                        c: round(self.revenue[t][f"after_opt_out.{c}"] / 100, 2)
                        for c in ("USD", "EUR")
                    },
                }
                for t in tenants
            },
            "sessions": {
                "definition": SESSION_DEFINITION,
                "platforms": list(CLIENT_SOURCES),
                "by_tenant": {t: nested(self.sessions[t]) for t in tenants},
                "after_opt_out": {t: nested(self.sessions_after[t]) for t in tenants},
                "bots": {t: dict(sorted(self.bot_sessions[t].items())) for t in tenants},
                "exact_30_minute_gaps": self.edges,
            },
            "funnels": {
                "note": FUNNEL_NOTE,
                "definitions": {k: v["definition"] for k, v in FUNNELS.items()},
                "steps": {k: v["steps"] for k, v in FUNNELS.items()},
                "by_tenant": {
                    t: {
                        f: [self.funnels[t][(f, i)] for i in range(len(v["steps"]))]
                        for f, v in FUNNELS.items()
                    }
                    for t in tenants
                },
            },
            "experiments": experiments,
            "click_model": {
                "examine_formula": f"examine(rank) = 1 / rank ** {EXAMINE_EXPONENT}",
                "click_formula": "P(click) = examine(rank) * attract(item), independently per "
                "served item",
                "examine": {str(r): round(examine(r), 6) for r in range(1, 11)},
                "item_attractiveness": {item_id(k): a for k, a in enumerate(attract)},
                "ranking_noise_sd": dict(RANKING_NOISE_SD),
                "ranking": "each request scores 40 random candidate items as attract + "
                "Normal(0, ranking_noise_sd[model_version]) and serves the top 10",
                "surfaces": ["home", "product", "cart"],
                "model_versions": ["rec-v1", "rec-v2"],
            },
            "notifications": {t: family(t, "notifications") for t in tenants},
            "emails": {t: family(t, "emails") for t in tenants},
            "syncs": {t: family(t, "syncs") for t in tenants},
            "syncs_kept": {t: _less(family(t, "syncs"), opt_outs[t]["syncs"]) for t in tenants},
            "api": {t: family(t, "api") for t in tenants},
            "recommendations": {t: family(t, "recommendations") for t in tenants},
            "opt_outs": opt_outs,
            "truncated_archive": self.truncated,
            "oversized": self.oversized,
        }


def _less(counts: dict[str, int], dropped: dict[str, int]) -> dict[str, int]:
    """counts less dropped, key by key, without the keys left at zero."""
    return {key: n - dropped.get(key, 0) for key, n in counts.items() if n - dropped.get(key, 0)}


def dump_truth(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
