"""Building night by night, with late and shuffled files, equals one full refresh."""

from __future__ import annotations

import json
import random
import warnings
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pytest

from ingest.loader import ingest_paths
from signalhouse.dbt import run_dbt
from signalhouse.simulator import generate

# These differ between the two histories by construction: load metadata, and when a row was
# written or its node last changed.
LOAD_COLUMNS = {
    "_load_id",
    "_loaded_at",
    "_cleaned_at",
    "_changed_at",
    "_identified_at",
    "_sessionized_at",
    "_written_at",
    "_analytics_filter_changed_at",
    "_localized_at",
    "_measured_at",
    "_matched_at",
    "_described_at",
    "_summarized_at",
    "_impressed_at",
}
# Rows an incremental history writes by design and a full refresh does not: the tombstones of
# events that lost their person (readers take the rows with a person).
INCREMENTAL_ONLY_ROWS = {"intermediate.int_events_identified": "person_id is null"}
SCHEMAS = ("staging", "intermediate", "marts")
NO_LOOKBACK = {"raw_watermark_lookback_minutes": 0}


@contextmanager
def _dbt_environment() -> Iterator[None]:
    """The PII key dbt's models need, and dbt's deprecation warnings silenced."""
    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings():
        patch.setenv("SIGNALHOUSE_PII_KEY", "incremental-test-key")
        warnings.simplefilter("ignore")
        yield


def _nights(data: Path, truth: dict, late_every: int = 4, late_by: int = 2) -> list[list[Path]]:
    """Files grouped by the night they arrive: by received day, every `late_every`-th file
    `late_by` nights late, each night in shuffled order."""
    by_date: dict[str, list[Path]] = defaultdict(list)
    for number, (relative, described) in enumerate(sorted(truth["files"].items())):
        by_date[described["date"]].append((number, data / relative))
    dates = sorted(by_date)
    nights: list[list[Path]] = [[] for _ in range(len(dates) + late_by)]
    for night, day in enumerate(dates):
        for number, path in by_date[day]:
            nights[night + (late_by if number % late_every == 0 else 0)].append(path)
    shuffle = random.Random(4)
    for files in nights:
        shuffle.shuffle(files)
    return [files for files in nights if files]


def _snapshot(db: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        relations = con.execute(
            "select table_schema, table_name from information_schema.tables "
            "where table_schema in ? order by all",
            [list(SCHEMAS)],
        ).fetchall()
        snapshot = {}
        for schema, table in relations:
            columns = [
                name
                for (name,) in con.execute(
                    "select column_name from information_schema.columns "
                    "where table_schema = ? and table_name = ? order by ordinal_position",
                    [schema, table],
                ).fetchall()
                if name not in LOAD_COLUMNS
            ]
            listed = ", ".join(f'"{name}"' for name in columns)
            relation = f"{schema}.{table}"
            skipped = INCREMENTAL_ONLY_ROWS.get(relation, "false")
            snapshot[relation] = con.execute(
                f'select {listed} from "{schema}"."{table}" where not ({skipped}) order by all'
            ).fetchall()
        return snapshot
    finally:
        con.close()


def _write_dates(db: Path) -> dict[str, dict | set]:
    """Per node, when int_identities_stitched last dated it changed; per event, when
    int_events_identified last wrote it; per funnel step row, when it was matched; and the
    events of the newest load."""
    return {
        "nodes": dict(
            _query(
                db,
                "select tenant_id || node, _changed_at from intermediate.int_identities_stitched",
            )
        ),
        "identified": dict(
            _query(
                db,
                "select tenant_id || event_id, _identified_at "
                "from intermediate.int_events_identified",
            )
        ),
        "matched": dict(
            _query(
                db,
                "select concat_ws('|', tenant_id, funnel_id, step_index, occurrence_id), "
                "_matched_at "
                "from marts.fct_funnel_step_events",
            )
        ),
        "newest_load": {
            event
            for (event,) in _query(
                db,
                f"select tenant_id || event_id from ({NEWEST_LOAD_REACH}) as reach",
            )
        },
    }


# The events of the newest load, and every event on a shared anonymous id one of them carries.
NEWEST_LOAD_REACH = """
with
cleaned as (select * from intermediate.int_identity_events_cleaned),
newest as (select * from cleaned where _loaded_at = (select max(_loaded_at) from cleaned)),
shared as (
    select distinct newest.tenant_id, newest.anonymous_id
    from newest
    inner join intermediate.int_identities_stitched as stitched
        on newest.tenant_id = stitched.tenant_id
        and stitched.node_type = 'anonymous_id'
        and newest.anonymous_id = stitched.identifier
    where stitched.resolution = 'shared_first_login'
)
select tenant_id, event_id from newest
union
select cleaned.tenant_id, cleaned.event_id
from cleaned
inner join shared using (tenant_id, anonymous_id)
"""


# Append-only history: night by night it records merges that one full refresh never sees.
HISTORIES = {"marts.fct_identity_changes"}


def _assert_same(actual: dict, expected: dict, *, histories: bool = False) -> None:
    assert sorted(actual) == sorted(expected)
    for relation, rows in expected.items():
        if relation in HISTORIES and not histories:
            continue
        assert len(rows) > 0 or relation.endswith("conflicts"), f"{relation} is empty"
        assert actual[relation] == rows, f"{relation} differs from the full refresh"


@pytest.fixture(scope="module")
def histories(tmp_path_factory):
    root = tmp_path_factory.mktemp("incremental")
    result = generate(root / "data", users=100, days=4, seed=19, tenants=2, defects="default")
    truth = json.loads(result.truth_path.read_text())
    nightly, full = root / "nightly.duckdb", root / "full.duckdb"
    with _dbt_environment():
        nights = _nights(root / "data", truth)
        for number, files in enumerate(nights):
            ingest_paths(files, nightly)
            command = ["build"] if number == len(nights) - 1 else ["run"]
            if number == 0:
                assert run_dbt(["seed"], nightly).success
            # The nights follow each other within seconds: without a lookback the watermark
            # filter, not a re-read of everything, decides what each night processes.
            outcome = run_dbt(command, nightly, vars=NO_LOOKBACK)
            assert outcome.success, (number, outcome.errors, outcome.failed_tests)
        after_last_night = _snapshot(nightly)
        dates_before = _write_dates(nightly)
        assert run_dbt(["run"], nightly, vars=NO_LOOKBACK).success
        rerun = _snapshot(nightly)
        dates_after = _write_dates(nightly)

        ingest_paths([root / "data"], full)
        outcome = run_dbt(["build", "--full-refresh"], full)
        assert outcome.success, (outcome.errors, outcome.failed_tests)
    return nights, after_last_night, rerun, _snapshot(full), (dates_before, dates_after)


def test_a_rerun_redates_no_node_and_identifies_only_the_newest_load_again(histories):
    """The change dates int_events_identified works from: a rerun on the same inputs changes
    no node of the identity graph, and identifies again only the events of the newest load
    (cleaned again because the watermark takes its own newest load again) and the events on a
    shared anonymous id one of them carries."""
    *_, (before, after) = histories
    assert after["nodes"] == before["nodes"]
    assert len(after["nodes"]) > 100
    rewritten = {
        event
        for event, identified_at in after["identified"].items()
        if identified_at != before["identified"][event]
    }
    assert after["identified"].keys() == before["identified"].keys()
    assert rewritten == before["newest_load"] & after["identified"].keys()
    assert rewritten
    assert 0 < len(rewritten) < len(after["identified"]) / 4


def test_a_rerun_matches_only_the_rewritten_events_to_funnel_steps_again(histories):
    """fct_funnel_step_events matches again the events fct_events rewrote, not every event:
    with the seed unchanged, the hash of its matching columns is the one its rows keep.
    Fails if the seed's hash differs from run to run (every row matched again)."""
    *_, (before, after) = histories
    assert after["matched"].keys() == before["matched"].keys()
    rematched = [
        row for row, matched_at in after["matched"].items() if matched_at != before["matched"][row]
    ]
    assert rematched
    assert len(rematched) < len(after["matched"]) / 2


def test_the_nights_really_were_incremental_and_late(histories):
    nights, *_ = histories
    assert len(nights) >= 5
    assert all(files for files in nights)


def test_night_by_night_equals_one_full_refresh_row_for_row(histories):
    _, after_last_night, _, full, _ = histories
    _assert_same(after_last_night, full)


def test_running_again_on_the_same_inputs_changes_nothing(histories):
    _, after_last_night, rerun, _, _ = histories
    _assert_same(rerun, after_last_night, histories=True)


def test_merges_across_nights_are_recorded_and_a_full_refresh_starts_afresh(histories):
    _, after_last_night, _, full, _ = histories
    # Columns: tenant_id, identifier_type, identifier, person_id, previous_person_id,
    # change_id, recorded_at, change_type.
    nightly_changes = after_last_night["marts.fct_identity_changes"]
    moved = [row for row in nightly_changes if row[7] == "moved"]
    assert moved, "no identifier changed person across nights: nothing was merged"
    assert all(row[4] is not None and row[4] != row[3] for row in moved)
    assert {row[7] for row in full["marts.fct_identity_changes"]} == {"first_seen"}
    # Whatever the history, each identifier ends with the person the map gives it now.
    latest = {}
    for row in sorted(nightly_changes, key=lambda row: (row[6], row[5])):
        latest[row[:3]] = row[3]
    current = {row[:3]: row[3] for row in after_last_night["marts.dim_identity_map"]}
    assert latest == current


STAGED_TABLES = (
    "stg_segment__events",
    "stg_segment__tracks",
    "stg_segment__views",
    "stg_segment__orders",
)


def _line(message_id: str, kind: str, received_at: str, **fields) -> str:
    name = {"event": "Feature Used"} if kind == "track" else {"name": "Home"}
    return json.dumps(
        {
            "type": kind,
            "messageId": message_id,
            "anonymousId": "a1",
            "timestamp": "2026-10-12T10:00:00Z",
            "receivedAt": received_at,
            "properties": {},
            **name,
            **fields,
        }
    )


def _staged(db: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {
            table: con.execute(
                f"select * exclude (_loaded_at) from staging.{table} order by all"
            ).fetchall()
            for table in STAGED_TABLES[1:]
        }
    finally:
        con.close()


def _query(db: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _execute(db: Path, sql: str) -> None:
    con = duckdb.connect(str(db))
    try:
        con.execute(sql)
    finally:
        con.close()


def _write_nights(tmp_path: Path, lines: dict[str, list[str]]) -> list[Path]:
    """One folder per night holding its lines as one file; the folders in night order."""
    nights = []
    for night, texts in lines.items():
        (tmp_path / night).mkdir()
        (tmp_path / night / "a.jsonl").write_text("".join(text + "\n" for text in texts))
        nights.append(tmp_path / night)
    return nights


def _run_night(db: Path, night: Path, select: list[str], *, first: bool) -> None:
    """Ingests one night's folder and runs the selection (the seeds too on the first night)."""
    ingest_paths([night], db, tenant="t")
    if first:
        assert run_dbt(["seed"], db).success
    assert run_dbt(["run", *select], db, vars=NO_LOOKBACK).success


def test_an_event_whose_kept_copy_changes_type_moves_between_staged_tables(tmp_path):
    """A late copy received earlier than the kept one wins staging's dedup; when it is of
    another type (or name), the incremental typed tables must drop the old row, not keep
    both."""
    first, late = tmp_path / "night1" / "a.jsonl", tmp_path / "night2" / "b.jsonl"
    first.parent.mkdir()
    late.parent.mkdir()
    first.write_text(
        _line("m1", "track", "2026-10-12T10:00:05Z")
        + "\n"
        + _line("m2", "page", "2026-10-12T09:00:05Z")
        + "\n"
        + _line("m3", "track", "2026-10-12T10:00:05Z", event="Order Completed")
        + "\n"
    )
    late.write_text(
        _line("m1", "page", "2026-10-12T10:00:01Z")
        + "\n"
        + _line("m3", "track", "2026-10-12T10:00:01Z")
        + "\n"
    )
    nightly, full = tmp_path / "nightly.duckdb", tmp_path / "full.duckdb"
    select = ["--select", *STAGED_TABLES]
    with _dbt_environment():
        for db in (nightly, full):
            ingest_paths([first.parent], db, tenant="t")
            assert run_dbt(["seed", "--select", "sdk_libraries"], db).success
        assert run_dbt(["run", *select], nightly, vars=NO_LOOKBACK).success
        before = _staged(nightly)
        ingest_paths([late.parent], nightly, tenant="t")
        assert run_dbt(["run", *select], nightly, vars=NO_LOOKBACK).success
        ingest_paths([late.parent], full, tenant="t")
        assert run_dbt(["run", "--full-refresh", *select], full).success
    after, expected = _staged(nightly), _staged(full)
    assert [len(before[table]) for table in STAGED_TABLES[1:]] == [2, 1, 1]
    assert [len(after[table]) for table in STAGED_TABLES[1:]] == [1, 2, 0]
    # m3 stays a track, now named after its winning copy.
    assert "Feature Used" in after["stg_segment__tracks"][0]
    assert after == expected


def test_an_edited_enum_seed_reaches_rows_staged_before(tmp_path):
    """The incremental typed tables keep old rows; their post-hook must give those rows the
    normalized value the edited seed gives now, as a full refresh would."""
    night, later = tmp_path / "night1" / "a.jsonl", tmp_path / "night2" / "b.jsonl"
    night.parent.mkdir()
    later.parent.mkdir()
    later.write_text(
        _line(
            "m4",
            "track",
            "2026-10-12T11:00:05Z",
            event="API Request",
            properties={"method": "post"},
        )
        + "\n"
    )
    night.write_text(
        "".join(
            _line(
                message_id,
                "track",
                "2026-10-12T10:00:05Z",
                event="API Request",
                properties={"method": method},
            )
            + "\n"
            for message_id, method in (("m1", "get"), ("m2", " Fetch"), ("m3", None))
        )
    )
    db = tmp_path / "nightly.duckdb"
    select = ["--select", "stg_segment__events", "stg_segment__api_requests"]

    def methods() -> list[tuple]:
        return _query(
            db,
            "select event_id, http_method_raw, http_method "
            "from staging.stg_segment__api_requests order by event_id",
        )

    with _dbt_environment():
        ingest_paths([night.parent], db, tenant="t")
        seeds = ["seed", "--select", "sdk_libraries", "enum_http_methods"]
        assert run_dbt(seeds, db).success
        assert run_dbt(["run", *select], db, vars=NO_LOOKBACK).success
        before = methods()
        # A later night: the rows of the first are out of the next runs' scope.
        ingest_paths([later.parent], db, tenant="t")
        assert run_dbt(["run", *select], db, vars=NO_LOOKBACK).success
        # The seed edited and loaded again: "fetch" is now known, "get" no longer is.
        _execute(db, "insert into staging.enum_http_methods values ('fetch', 'GET')")
        _execute(db, "delete from staging.enum_http_methods where raw_value = 'get'")
        assert run_dbt(["run", *select], db, vars=NO_LOOKBACK).success
        after = methods()
        assert run_dbt(["run", "--full-refresh", *select], db).success
        refreshed = methods()
    assert [row[2] for row in before] == ["GET", "unknown", None]
    assert [row[2] for row in after] == ["unknown", "GET", None, "POST"]
    assert after == refreshed


def test_a_winning_copy_loaded_earlier_still_moves_the_event(tmp_path):
    """The new winning copy may carry an older `_loaded_at` than the row it replaces (a load
    stamped by a clock behind, within the lookback): the typed table must still drop the
    old row, as a full refresh would."""
    first, late = tmp_path / "night1" / "a.jsonl", tmp_path / "night2" / "b.jsonl"
    first.parent.mkdir()
    late.parent.mkdir()
    first.write_text(_line("m3", "track", "2026-10-12T10:00:05Z", event="Order Completed") + "\n")
    late.write_text(_line("m3", "track", "2026-10-12T10:00:01Z") + "\n")
    db = tmp_path / "nightly.duckdb"
    select = ["--select", *STAGED_TABLES]
    with _dbt_environment():
        ingest_paths([first.parent], db, tenant="t")
        assert run_dbt(["seed", "--select", "sdk_libraries"], db).success
        assert run_dbt(["run", *select], db).success
        ingest_paths([late.parent], db, tenant="t")
        # The second load stamped a minute before the first.
        _execute(
            db,
            "update raw.events set _loaded_at = "
            "(select min(_loaded_at) from raw.events) - interval 1 minute "
            "where _source_file like '%night2%'",
        )
        assert run_dbt(["run", *select], db).success
        after = _staged(db)
        assert run_dbt(["run", "--full-refresh", *select], db).success
    assert [len(after[table]) for table in STAGED_TABLES[1:]] == [1, 0, 0]
    assert after == _staged(db)


def test_an_edited_placeholder_seed_cleans_every_event_again(tmp_path):
    """int_identity_events_cleaned keeps rows cleaned on earlier nights; a placeholder added
    to the seed afterwards must still blank those rows' ids, as a full refresh would, while a
    night with unchanged rules cleans only the newest loads."""
    lines = {
        "night1": [
            _line("m1", "track", "2026-10-12T10:00:05Z", userId="visitor"),
            _line("m2", "track", "2026-10-12T10:00:05Z", userId="u_1"),
        ],
        "night2": [_line("m3", "track", "2026-10-12T11:00:05Z", userId="VISITOR ")],
        "night3": [_line("m4", "track", "2026-10-12T12:00:05Z", userId="u_2")],
    }
    nights = _write_nights(tmp_path, lines)
    db = tmp_path / "nightly.duckdb"
    select = ["--select", "stg_segment__events", "int_identity_events_cleaned"]

    def cleaned() -> list[tuple]:
        return _query(
            db,
            "select event_id, user_id, has_placeholder_id, _loaded_at "
            "from intermediate.int_identity_events_cleaned order by event_id",
        )

    with _dbt_environment():
        seeds = ["seed", "--select", "sdk_libraries", "identity_placeholder_ids"]
        for night in nights:
            ingest_paths([night], db, tenant="t")
            if night.name == "night1":
                assert run_dbt(seeds, db).success
            assert run_dbt(["run", *select], db, vars=NO_LOOKBACK).success
            if night.name == "night2":
                # Marks a row of the first night: a run that cleaned it again would undo it.
                _execute(
                    db,
                    "update intermediate.int_identity_events_cleaned set user_id = 'kept' "
                    "where event_id = 'm1'",
                )
        before = cleaned()
        # The seed edited and loaded again: "visitor" is now a placeholder.
        _execute(db, "insert into staging.identity_placeholder_ids values ('visitor', 'x')")
        assert run_dbt(["run", *select], db, vars=NO_LOOKBACK).success
        after = cleaned()
        assert run_dbt(["run", "--full-refresh", *select], db).success
        refreshed = cleaned()
    assert [row[1:3] for row in before] == [
        ("kept", False),
        ("u_1", False),
        ("VISITOR ", False),
        ("u_2", False),
    ]
    assert [row[1:3] for row in after] == [
        (None, True),
        ("u_1", False),
        (None, True),
        ("u_2", False),
    ]
    assert after == refreshed


def test_events_of_a_person_who_turns_out_a_bot_leave_the_localized_events(tmp_path):
    """int_product_events_localized and fct_funnel_step_events keep rows of earlier nights;
    when a later event shows their person is a crawler, fct_analytics_events stops keeping
    the person's events, and the incremental models must drop the rows they wrote before, as
    a full refresh would. A
    night of another visitor's event in between moves the load watermark past m1 and m2:
    nothing but the person's new filter (fct_events' analytics_filter_changes_dated) dates
    them again. Fails without that pre-hook."""
    web = {"library": {"name": "analytics.js"}}
    lines = {
        "night1": [
            _line("m1", "page", "2026-10-12T10:00:05Z", context=web),
            _line(
                "m2", "page", "2026-10-12T10:05:05Z", timestamp="2026-10-12T10:05:00Z", context=web
            ),
        ],
        "night2": [
            _line(
                "o1",
                "page",
                "2026-10-12T11:00:05Z",
                timestamp="2026-10-12T11:00:00Z",
                anonymousId="a2",
                context=web,
            )
        ],
        "night3": [
            _line(
                "m3",
                "page",
                "2026-10-13T10:10:05Z",
                timestamp="2026-10-13T10:10:00Z",
                context={**web, "userAgent": "Mozilla/5.0 (compatible; Googlebot/2.1)"},
            )
        ],
    }
    nights = _write_nights(tmp_path, lines)
    db = tmp_path / "nightly.duckdb"
    select = ["--select", "+int_product_events_localized", "+fct_funnel_step_events"]

    def derived() -> tuple[list[tuple], list[tuple]]:
        """The localized events, and the funnel steps matched (pages: a visit step)."""
        return _query(
            db,
            "select event_id, person_id, event_date "
            "from marts.int_product_events_localized order by event_id",
        ), _query(
            db,
            "select distinct event_id, person_id from marts.fct_funnel_step_events order by 1",
        )

    with _dbt_environment():
        for number, night in enumerate(nights):
            _run_night(db, night, select, first=number == 0)
            if number == 0:
                first = derived()
        after = derived()
        assert run_dbt(["run", "--full-refresh", *select], db).success
        refreshed = derived()
    assert [[row[0] for row in rows] for rows in first] == [["m1", "m2"], ["m1", "m2"]]
    assert after == refreshed
    assert [[row[0] for row in rows] for rows in after] == [["o1"], ["o1"]]


def test_a_sync_whose_events_change_on_a_later_night_is_summarized_again(tmp_path):
    """fct_sync_runs keeps the runs of earlier nights. On night 3 (night 2, another
    visitor's event, moves the load watermark past night 1) a late copy of each sync's
    completion, received earlier, wins staging's dedup: s1's carries 9 items instead of 5
    (an event fct_events wrote again, the sync's event count unchanged), s2's is a page
    (s2 is left with its start alone: its event count changed). Both are summarized again,
    as a full refresh does. Fails without either half of the pre-hook
    sync_runs_outdated_deleted."""
    mobile = {"library": {"name": "analytics-ios"}, "app": {"version": "1.0"}}

    def sync(message_id: str, name: str, received_at: str, sync_id: str, items: int) -> str:
        return _line(
            message_id,
            "track",
            received_at,
            timestamp=received_at,
            event=name,
            properties={"sync_id": sync_id, "items": items},
            context=mobile,
        )

    lines = {
        "night1": [
            sync("s1a", "Sync Started", "2026-10-12T10:00:00Z", "s1", 0),
            sync("s1b", "Sync Completed", "2026-10-12T10:00:09Z", "s1", 5),
            sync("s2a", "Sync Started", "2026-10-12T11:00:00Z", "s2", 0),
            sync("s2b", "Sync Completed", "2026-10-12T11:00:09Z", "s2", 5),
        ],
        "night2": [_line("o1", "page", "2026-10-12T12:00:05Z", anonymousId="a2")],
        "night3": [
            sync("s1b", "Sync Completed", "2026-10-12T10:00:08Z", "s1", 9),
            _line("s2b", "page", "2026-10-12T11:00:08Z", context=mobile),
        ],
    }
    nights = _write_nights(tmp_path, lines)
    db = tmp_path / "nightly.duckdb"
    select = ["--select", "+fct_sync_runs"]

    def runs() -> list[tuple]:
        return _query(
            db, "select sync_id, outcome, items, _event_count from marts.fct_sync_runs order by 1"
        )

    with _dbt_environment():
        for number, night in enumerate(nights):
            _run_night(db, night, select, first=number == 0)
            if number == 0:
                first = runs()
        after = runs()
        assert run_dbt(["run", "--full-refresh", *select], db).success
        refreshed = runs()
    assert first == [("s1", "completed", 5, 2), ("s2", "completed", 5, 2)]
    assert after == refreshed == [("s1", "completed", 9, 2), ("s2", "incomplete", 0, 1)]


def test_a_click_and_an_order_on_later_nights_reach_the_impressions_served_before(tmp_path):
    """fct_recommendation_impressions keeps the items served on earlier nights. A click on
    one of them arrives on night 3 (night 2, another visitor's event, moves the load
    watermark past night 1) and an order after it on night 4: the kept row must become
    clicked, then converted, as in a full refresh. Fails if the kept rows' clicks and
    conversions are not compared with the current ones."""
    web = {"library": {"name": "analytics.js"}}

    def track(message_id: str, name: str, at: str, **properties) -> str:
        return _line(
            message_id, "track", at, timestamp=at, event=name, properties=properties, context=web
        )

    lines = {
        "night1": [
            track(
                "r1",
                "Recommendation Served",
                "2026-10-12T10:00:00Z",
                request_id="q1",
                surface="home",
                model_version="v1",
                items=[{"item_id": "i1", "rank": 1, "score": 0.9}],
            )
        ],
        "night2": [_line("o1", "page", "2026-10-12T11:00:05Z", anonymousId="a2", context=web)],
        "night3": [
            track(
                "c1", "Recommendation Clicked", "2026-10-12T10:01:00Z",
                request_id="q1", item_id="i1", rank=1,
            )
        ],
        "night4": [
            track(
                "p1", "Order Completed", "2026-10-12T10:30:00Z",
                order_id="x1", revenue=10, currency="USD",
            )
        ],
    }  # fmt: skip
    nights = _write_nights(tmp_path, lines)
    db = tmp_path / "nightly.duckdb"
    select = ["--select", "+fct_recommendation_impressions"]

    def impressions() -> list[tuple]:
        return _query(
            db,
            "select event_id, rank, click_count, first_clicked_at, converted_at "
            "from marts.fct_recommendation_impressions order by all",
        )

    with _dbt_environment():
        by_night = []
        for number, night in enumerate(nights):
            _run_night(db, night, select, first=number == 0)
            by_night.append(impressions())
        assert run_dbt(["run", "--full-refresh", *select], db).success
        refreshed = impressions()
    assert [rows[0][2] for rows in by_night] == [0, 0, 1, 1]
    assert by_night[2][0][4] is None
    assert by_night[3][0][4] is not None
    assert by_night[-1] == refreshed


def test_an_event_that_loses_its_person_leaves_its_session_as_in_a_full_refresh(tmp_path):
    """An event whose only identifier becomes a placeholder on a later night loses its
    person: int_events_identified keeps a tombstone for it (dated, no person), from which
    int_events_sessionized drops its row and sessionizes its former person again, and
    fct_events writes it without person or session, as a full refresh does. Fails without
    the sessionized post-hook (the row stays) or without the tombstone (nothing notices)."""
    web = {"library": {"name": "analytics.js"}}

    def page(message_id: str, minute: int, **fields) -> str:
        at = f"2026-10-12T10:{minute:02d}:00Z"
        return _line(message_id, "page", at, timestamp=at, context=web, **fields)

    lines = {
        # m1's only identifier is the anonymous id "visitor", which m2 links to user u_1.
        "night1": [
            page("m1", 0, anonymousId="visitor"),
            page("m2", 5, anonymousId="visitor", userId="u_1"),
        ],
        "night2": [page("m3", 50, userId="u_1")],
    }
    nights = _write_nights(tmp_path, lines)
    db = tmp_path / "nightly.duckdb"
    select = ["--select", "+fct_events"]

    def state() -> dict[str, list[tuple]]:
        return {
            "identified": _query(
                db,
                "select event_id, person_id from intermediate.int_events_identified "
                "where person_id is not null order by event_id",
            ),
            "sessionized": _query(
                db,
                "select event_id, person_id, session_id, event_number_in_session, "
                "gap_since_previous from intermediate.int_events_sessionized order by event_id",
            ),
            "events": _query(
                db,
                "select event_id, person_id, session_id, event_number_in_session "
                "from marts.fct_events order by event_id",
            ),
        }

    with _dbt_environment():
        for number, night in enumerate(nights):
            _run_night(db, night, select, first=number == 0)
        before = state()
        _execute(db, "insert into staging.identity_placeholder_ids values ('visitor', 'x')")
        assert run_dbt(["run", *select], db, vars=NO_LOOKBACK).success
        after = state()
        tombstones = _query(
            db,
            "select event_id, identified_by from intermediate.int_events_identified "
            "where person_id is null",
        )
        assert run_dbt(["run", "--full-refresh", *select], db).success
        refreshed = state()
    assert [row[0] for row in before["sessionized"]] == ["m1", "m2", "m3"]
    assert tombstones == [("m1", None)]
    assert [row[0] for row in after["sessionized"]] == ["m2", "m3"]
    assert after["events"][0][:3] == ("m1", None, None)
    assert after == refreshed
