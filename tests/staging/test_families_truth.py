"""Generate -> ingest -> dbt build of staging, then compare the typed family models with truth.

The truth counts every event the simulator emitted, including the lines lost in the one cut
gzip archive: ``truth["truncated_archive"]["lost"]["by_event"]`` says how many of each event
name were lost, all in the cut file's tenant. So, per tenant:

* per event name, the rows of the family model equal the truth's count minus the lost lines;
* the breakdowns (phase by connectivity, machine vs human opens, bounce types, status
  classes, model versions, currencies and revenue, analytics opt-outs) equal the truth
  exactly wherever no line of that event was lost; where some were, only the event's total
  is comparable.

Also: every event of stg_segment__events lands in exactly one family model (tracks holds every
track call besides), and the event catalogue covers every event name in the sample.
"""

from __future__ import annotations

import json
import warnings
from collections import Counter
from pathlib import Path

import duckdb
import pytest

from ingest.loader import ingest_paths
from signalhouse.dbt import run_dbt
from signalhouse.simulator import generate

PROJECT = Path(__file__).resolve().parents[2]
SAMPLE = {"users": 200, "days": 6, "seed": 31, "tenants": 2, "defects": "default"}

# The typed model of each track event name; names not here are read from stg_segment__tracks.
FAMILY_OF_TRACK = {
    **dict.fromkeys(
        [
            "Notification Sent",
            "Notification Delivered",
            "Notification Displayed",
            "Notification Opened",
            "Notification Dismissed",
            "Notification Failed",
        ],
        "stg_segment__notifications",
    ),
    **dict.fromkeys(
        [
            "Email Sent",
            "Email Delivered",
            "Email Bounced",
            "Email Opened",
            "Email Link Clicked",
            "Email Form Submitted",
            "Email Unsubscribed",
            "Email Spam Reported",
        ],
        "stg_segment__emails",
    ),
    **dict.fromkeys(
        [
            "Sync Started",
            "Sync Progress",
            "Sync Completed",
            "Sync Failed",
            "Sync Conflict Resolved",
        ],
        "stg_segment__syncs",
    ),
    "API Request": "stg_segment__api_requests",
    "Experiment Exposure": "stg_segment__experiment_exposures",
    "Recommendation Served": "stg_segment__recommendations",
    "Recommendation Clicked": "stg_segment__recommendation_clicks",
    "Order Completed": "stg_segment__orders",
    "Consent Updated": "stg_segment__consents",
}
TRACK_ONLY = {"Signed Up", "Logged In", "Feature Used", "API Key Created"}
FAMILY_OF_TYPE = {
    "page": "stg_segment__views",
    "screen": "stg_segment__views",
    "identify": "stg_segment__identifies",
    "alias": "stg_segment__aliases",
    "group": "stg_segment__groups",
}
FAMILY_EVENTS = {
    family: [name for name in FAMILY_OF_TRACK if name.lower().startswith(prefix)]
    for family, prefix in (
        ("notifications", "notification"),
        ("emails", "email"),
        ("syncs", "sync"),
    )
}
FAMILY_MODELS = sorted(set(FAMILY_OF_TRACK.values()) | set(FAMILY_OF_TYPE.values()))


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    root = tmp_path_factory.mktemp("families")
    result = generate(root / "data", **SAMPLE)
    db = root / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings():
        patch.setenv("SIGNALHOUSE_PII_KEY", "families-truth-test-key")
        warnings.simplefilter("ignore")
        # Every emitted event is staged here, opted-out persons' later ones too: the truth's
        # breakdowns describe what the simulator emitted, and this module checks how staging
        # types and routes it. Dropping at ingest (the default) is checked against the truth
        # in tests/privacy/test_consent_suppression.py and by the marts' truth tests.
        ingest_paths([root / "data"], db, suppress_opted_out=False)
        # Staging only (the marts are not needed here): the family models, their seeds and
        # everything upstream, with all their tests and unit tests.
        outcome = run_dbt(["build", "--select", "+path:models/staging/segment"], db)
    assert outcome.success, (outcome.errors, outcome.failed_tests, outcome.exception)
    con = duckdb.connect(str(db), read_only=True)
    yield con, json.loads(result.truth_path.read_text())
    con.close()


def _rows(con, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


def _lost(truth) -> dict[tuple[str, str], int]:
    """(tenant, event name or type) -> lines lost in the cut archive."""
    cut = truth["truncated_archive"]
    if not cut:
        return {}
    tenant = truth["files"][cut["file"]]["tenant"]
    return {(tenant, name): n for name, n in cut["lost"]["by_event"].items()}


def _expected_by_event(truth) -> Counter:
    """(tenant, event name) -> events the simulator emitted, from the truth's counters."""
    expected = Counter()
    for tenant, m in truth["notifications"].items():
        for phase in ("sent", "delivered", "displayed", "opened", "dismissed", "failed"):
            expected[tenant, f"Notification {phase.title()}"] += m.get(phase, 0)
    for tenant, m in truth["emails"].items():
        expected[tenant, "Email Sent"] += m.get("sent", 0)
        expected[tenant, "Email Delivered"] += m.get("delivered", 0)
        expected[tenant, "Email Bounced"] += m.get("bounced_hard", 0) + m.get("bounced_soft", 0)
        expected[tenant, "Email Opened"] += m.get("opened_machine", 0) + m.get("opened_human", 0)
        expected[tenant, "Email Link Clicked"] += m.get("clicked", 0)
        expected[tenant, "Email Form Submitted"] += m.get("forms", 0)
        expected[tenant, "Email Unsubscribed"] += m.get("unsubscribed", 0)
        expected[tenant, "Email Spam Reported"] += m.get("spam_reported", 0)
    for tenant, m in truth["syncs"].items():
        for key, n in m.items():
            phase = key.split(".")[0]
            name = {
                "started": "Sync Started",
                "completed": "Sync Completed",
                "failed": "Sync Failed",
                "conflicts": "Sync Conflict Resolved",
            }[phase]
            expected[tenant, name] += n
    for tenant, m in truth["api"].items():
        expected[tenant, "API Request"] += m.get("requests", 0)
        expected[tenant, "API Key Created"] += m.get("keys_created", 0)
    for tenant, m in truth["recommendations"].items():
        for key, n in m.items():
            kind = key.split(".")[0]
            expected[tenant, f"Recommendation {kind.title()}"] += n
    for tenant, m in truth["conversions"].items():
        expected[tenant, "Order Completed"] += m["orders"]
    return +expected


def test_event_counts_per_tenant_equal_the_truth_less_the_cut_archive(sample):
    con, truth = sample
    lost = _lost(truth)
    expected = Counter({key: n - lost.get(key, 0) for key, n in _expected_by_event(truth).items()})
    found = Counter(
        {
            (tenant, name): n
            for tenant, name, n in _rows(
                con,
                "select tenant_id, event_name, count(*) from staging.stg_segment__tracks "
                "group by all",
            )
            if (tenant, name) in expected
        }
    )
    assert sum(expected.values()) > 4000
    assert found == expected, {
        key: (found.get(key, 0), expected.get(key, 0))
        for key in set(found) | set(expected)
        if found.get(key, 0) != expected.get(key, 0)
    }


def _unaffected(truth, *events: str) -> list[str]:
    """Tenants none of whose lines of these events were lost in the cut archive."""
    lost = _lost(truth)
    return [t for t in truth["tenants"] if not any(lost.get((t, e), 0) for e in events)]


def _assert_equal_where_unaffected(truth, found: Counter, expected: Counter, events) -> None:
    """found == expected for every tenant that lost none of `events` (at least one does)."""
    tenants = _unaffected(truth, *events)
    assert tenants, f"every tenant lost some of {events}: nothing comparable"
    for tenant in tenants:
        mine = {k: n for k, n in found.items() if k[0] == tenant}
        theirs = {k: n for k, n in expected.items() if k[0] == tenant and n}
        assert mine == theirs, tenant


def test_notification_phases_equal_the_truth(sample):
    con, truth = sample
    found = {
        (t, phase): n
        for t, phase, n in _rows(
            con,
            "select tenant_id, phase, count(*) from staging.stg_segment__notifications "
            "group by all",
        )
    }
    expected = {(t, phase): n for t, m in truth["notifications"].items() for phase, n in m.items()}
    _assert_equal_where_unaffected(truth, found, expected, FAMILY_EVENTS["notifications"])
    assert not _rows(
        con,
        "select channel from staging.stg_segment__notifications "
        "where channel is null or channel = 'unknown'",
    )


def test_email_opens_bounces_and_clicks_equal_the_truth(sample):
    con, truth = sample
    found = Counter()
    for t, phase, machine, bounce, n in _rows(
        con,
        "select tenant_id, phase, is_machine_open, bounce_type, count(*) "
        "from staging.stg_segment__emails group by all",
    ):
        if phase == "opened":
            found[t, "opened_machine" if machine else "opened_human"] += n
        elif phase == "bounced":
            found[t, f"bounced_{bounce}"] += n
        else:
            key = {"link_clicked": "clicked", "form_submitted": "forms"}.get(phase, phase)
            found[t, key] += n
    expected = Counter({(t, k): n for t, m in truth["emails"].items() for k, n in m.items()})
    _assert_equal_where_unaffected(truth, found, expected, FAMILY_EVENTS["emails"])
    assert sum(n for (_, k), n in found.items() if k == "opened_machine") > 0


def test_sync_phases_by_connectivity_equal_the_truth(sample):
    con, truth = sample
    found = Counter()
    for t, phase, connectivity, n in _rows(
        con,
        "select tenant_id, phase, connectivity, count(*) from staging.stg_segment__syncs "
        "where phase <> 'progress' group by all",
    ):
        key = "conflicts" if phase == "conflict_resolved" else f"{phase}.{connectivity}"
        found[t, key] += n
    expected = Counter({(t, k): n for t, m in truth["syncs"].items() for k, n in m.items()})
    _assert_equal_where_unaffected(truth, found, expected, FAMILY_EVENTS["syncs"])
    failed = sum(n for (_, k), n in found.items() if k.startswith("failed."))
    assert failed > 0


def test_api_status_classes_equal_the_truth(sample):
    con, truth = sample
    found = Counter()
    for t, status_class, n in _rows(
        con,
        "select tenant_id, status_class, count(*) from staging.stg_segment__api_requests "
        "group by all",
    ):
        found[t, "requests"] += n
        found[t, f"status_{status_class}"] += n
    expected = Counter(
        {(t, k): n for t, m in truth["api"].items() for k, n in m.items() if k != "keys_created"}
    )
    _assert_equal_where_unaffected(truth, found, expected, ["API Request"])


def test_recommendations_by_model_version_equal_the_truth(sample):
    con, truth = sample
    checked = 0
    for event, model, kind in (
        ("Recommendation Served", "stg_segment__recommendations", "served"),
        ("Recommendation Clicked", "stg_segment__recommendation_clicks", "clicked"),
    ):
        found = {
            (t, f"{kind}.{mv}"): n
            for t, mv, n in _rows(
                con, f"select tenant_id, model_version, count(*) from staging.{model} group by all"
            )
        }
        for tenant in _unaffected(truth, event):
            expected = {
                (tenant, k): n
                for k, n in truth["recommendations"][tenant].items()
                if k.startswith(kind + ".")
            }
            assert {k: n for k, n in found.items() if k[0] == tenant} == expected
            checked += 1
    assert checked > 0
    # Every served list has its ten items, unnested one row per rank.
    assert (
        _rows(
            con,
            "select count(*), sum(item_count) from staging.stg_segment__recommendations",
        )[0][1]
        == _rows(con, "select count(*) from staging.stg_segment__recommendation_items")[0][0]
    )


def test_orders_and_revenue_by_currency_equal_the_truth(sample):
    con, truth = sample
    found = {
        (t, currency): (n, round(revenue, 2))
        for t, currency, n, revenue in _rows(
            con,
            "select tenant_id, currency, count(*), sum(revenue) from staging.stg_segment__orders "
            "group by all",
        )
    }
    checked = 0
    for tenant in _unaffected(truth, "Order Completed"):
        conv = truth["conversions"][tenant]
        expected = {
            (tenant, c): (conv["orders_by_currency"][c], conv["revenue"][c])
            for c in ("USD", "EUR")
            if conv["orders_by_currency"][c]
        }
        assert {k: v for k, v in found.items() if k[0] == tenant} == expected
        checked += 1
    assert checked > 0


def test_every_family_event_lands_in_exactly_one_family_model(sample):
    con, _ = sample
    union = "\nunion all\n".join(
        f"select tenant_id, event_id, '{model}' as model from staging.{model}"
        for model in FAMILY_MODELS
    )
    rows = _rows(
        con,
        f"""
        with landed as ({union}),
        per_event as (
            select tenant_id, event_id, count(*) as models, min(model) as model
            from landed group by all
        ),
        tracks as (select tenant_id, event_id from staging.stg_segment__tracks)
        select
            events.event_type, events.event_name, per_event.models, per_event.model,
            tracks.event_id is not null as in_tracks, count(*)
        from staging.stg_segment__events as events
        left join per_event using (tenant_id, event_id)
        left join tracks using (tenant_id, event_id)
        group by all
        """,
    )
    assert sum(row[-1] for row in rows) > 9000
    for event_type, event_name, models, model, in_tracks, n in rows:
        if event_type == "track":
            expected = FAMILY_OF_TRACK.get(event_name)
            assert in_tracks, (event_name, n)
        else:
            expected = FAMILY_OF_TYPE[event_type]
            assert not in_tracks, (event_type, n)
        if expected is None:
            assert models is None, (event_name, model, n)
        else:
            assert (models, model) == (1, expected), (event_type, event_name, models, model, n)
    # No family model holds a row that is not an event of stg_segment__events.
    orphans = _rows(
        con,
        f"""
        select landed.model, count(*)
        from ({union}) as landed
        anti join staging.stg_segment__events as events using (tenant_id, event_id)
        group by all
        """,
    )
    assert orphans == []


def test_the_catalogue_covers_every_event_of_the_sample(sample):
    con, _ = sample
    catalogue = json.loads((PROJECT / "contract/events/catalogue.json").read_text())
    catalogued_tracks = {e["event"] for e in catalogue["events"] if e["type"] == "track"}
    catalogued_types = {e["type"] for e in catalogue["events"] if e["type"] != "track"}
    for event_type, event_name in _rows(
        con, "select distinct event_type, event_name from staging.stg_segment__events"
    ):
        if event_type == "track":
            assert event_name in catalogued_tracks, event_name
        elif event_type in ("page", "screen"):
            assert event_type in catalogued_types, event_type
    # ... and every catalogued track event has its place: a typed family, or tracks only.
    assert catalogued_tracks == set(FAMILY_OF_TRACK) | TRACK_ONLY


def test_analytics_opt_outs_equal_the_truth(sample):
    con, truth = sample
    # A person opts out once, with a Consent Updated that denies analytics.
    found = Counter(
        {
            (t, "persons"): n
            for t, n in _rows(
                con,
                "select tenant_id, count(distinct user_id) from staging.stg_segment__consents "
                "where not has_analytics_consent group by all",
            )
        }
    )
    expected = Counter({(t, "persons"): m["persons"] for t, m in truth["opt_outs"].items()})
    _assert_equal_where_unaffected(truth, found, expected, ["Consent Updated"])
