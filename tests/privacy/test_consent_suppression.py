"""Consent at ingest: after an analytics opt-out (a Consent Updated denying analytics) or an
entry of the suppression list, the identifier's later lines are dropped as
`consent_suppressed` (counted in the ledger, nothing kept); a later grant lifts it."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import duckdb
import pytest

from ingest.loader import ingest_paths
from signalhouse.cli import EXIT_OK, EXIT_USAGE, main

TENANT = "acme"


def _line(message_id: str, at: str, *, user=None, anon=None, event="Feature Used", **props):
    line = {
        "type": "track",
        "messageId": message_id,
        "event": event,
        "properties": props,
        "timestamp": f"2026-10-12T{at}:00.000Z",
    }
    if user:
        line["userId"] = user
    if anon:
        line["anonymousId"] = anon
    return json.dumps(line)


def _consent(message_id: str, at: str, user: str, anon: str, *, analytics: bool) -> str:
    granted = ["messaging"] + (["analytics"] if analytics else [])
    denied = [] if analytics else ["analytics", "marketing"]
    return _line(
        message_id,
        at,
        user=user,
        anon=anon,
        event="Consent Updated",
        categories_granted=granted,
        categories_denied=denied,
    )


def _write(folder: Path, name: str, lines: list[str]) -> Path:
    path = folder / f"tenant={TENANT}" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def _ingest(paths, db, **options):
    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings():
        patch.setenv("SIGNALHOUSE_PII_KEY", "consent-test-key")
        warnings.simplefilter("ignore")
        return ingest_paths(paths, db, **options)


def _landed(db: Path) -> set[str]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {row[0] for row in con.execute("select message_id from raw.events").fetchall()}
    finally:
        con.close()


def _batches(tmp_path: Path) -> list[Path]:
    first = _write(
        tmp_path / "b1",
        "1.jsonl",
        [
            _line("m1", "08:00", user="u1", anon="a1"),
            _consent("c1", "09:00", "u1", "a1", analytics=False),
            _line("m2", "10:00", user="u1", anon="a1"),  # after the opt-out, same batch
            _line("m3", "10:00", user="u2", anon="a2"),  # someone else
        ],
    )
    second = _write(
        tmp_path / "b2",
        "2.jsonl",
        [
            _line("m4", "11:00", user="u1"),  # by the user id alone, a later batch
            _line("m5", "11:00", anon="a1"),  # by the device alone
            _line("m6", "08:30", user="u1", anon="a1"),  # before the opt-out (late)
        ],
    )
    third = _write(
        tmp_path / "b3",
        "3.jsonl",
        [
            _line("m7", "12:00", user="u1", anon="a1"),  # before the re-grant
            _consent("c2", "13:00", "u1", "a1", analytics=True),
            _line("m8", "14:00", user="u1", anon="a1"),  # after the re-grant
        ],
    )
    return [first.parent.parent, second.parent.parent, third.parent.parent]


def test_events_after_an_opt_out_are_dropped_until_consent_is_granted_again(tmp_path):
    db = tmp_path / "w.duckdb"
    # The default: no option needed.
    summaries = [_ingest([batch], db) for batch in _batches(tmp_path)]
    assert _landed(db) == {"m1", "c1", "m3", "m6", "c2", "m8"}
    dropped = [s.quarantined_by_reason.get("consent_suppressed", 0) for s in summaries]
    assert dropped == [1, 2, 1]
    con = duckdb.connect(str(db), read_only=True)
    try:
        quarantined = con.execute(
            "select count(*), count(payload_kept) from ("
            "select coalesce(excerpt, message_id) as payload_kept from raw.quarantine "
            "where reason = 'consent_suppressed')"
        ).fetchone()
        assert quarantined == (4, 0)
        suppressions = con.execute(
            "select identifier_type, strftime(suppressed_from, '%H:%M'), "
            "strftime(suppressed_until, '%H:%M'), source from raw.consent_suppressions "
            "order by identifier_type"
        ).fetchall()
        assert suppressions == [
            ("anonymous_id", "09:00", "13:00", "consent_event"),
            ("user_id", "09:00", "13:00", "consent_event"),
        ]
        # Only hashes are stored, never the ids.
        stored = con.execute(
            "select string_agg(identifier_hash, ' ') from raw.consent_suppressions"
        )
        assert "u1" not in stored.fetchone()[0].replace("pii_", "")
    finally:
        con.close()


def test_keep_opted_out_lands_everything(tmp_path, monkeypatch):
    monkeypatch.setenv("SIGNALHOUSE_PII_KEY", "consent-test-key")
    kept, default = tmp_path / "kept.duckdb", tmp_path / "default.duckdb"
    for batch in _batches(tmp_path):
        assert main(["ingest", str(batch), "--keep-opted-out", "--db", str(kept)]) == EXIT_OK
        assert main(["ingest", str(batch), "--db", str(default)]) == EXIT_OK
    assert len(_landed(kept)) == 10
    assert _landed(default) == {"m1", "c1", "m3", "m6", "c2", "m8"}


def test_the_suppression_list_drops_later_lines_of_its_identifiers(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SIGNALHOUSE_PII_KEY", "consent-test-key")
    db = tmp_path / "w.duckdb"
    listed = tmp_path / "list.csv"
    listed.write_text(
        "tenant_id,identifier_type,identifier,suppressed_from\n"
        f"{TENANT},anonymous_id,a7,2026-10-12T09:00:00Z\n"
        f"{TENANT},user_id,u8,\n"
    )
    args = ["--db", str(db)]
    assert (
        main(
            [
                "suppress",
                "--tenant",
                TENANT,
                "--user-id",
                "u9",
                "--from",
                "2026-10-12T10:00Z",
                *args,
            ]
        )
        == EXIT_OK
    )
    assert main(["suppress", "--csv", str(listed), *args]) == EXIT_OK
    assert main(["suppress", "--csv", str(listed), *args]) == EXIT_OK
    assert "0 new of 2 given" in capsys.readouterr().err
    assert (
        main(["suppress", "--tenant", TENANT, "--user-id", "u9", "--from", "noon", *args])
        == EXIT_USAGE
    )
    assert "is not an ISO 8601 time" in capsys.readouterr().err
    batch = _write(
        tmp_path / "in",
        "1.jsonl",
        [
            _line("k1", "09:30", user="u9"),  # before u9's suppression
            _line("d1", "10:30", user="u9"),
            _line("k2", "08:00", anon="a7"),
            _line("d2", "09:30", anon="a7"),
            _line("d3", "00:01", user="u8"),  # suppressed from the beginning
            _line("k3", "10:30", user="u10", anon="a10"),
            _line(
                "k4", "10:30", user="u9", event="Consent Updated"
            ),  # suppressed as well? no: 10:30 > 10:00
        ],
    ).parent.parent
    summary = _ingest([batch], db)
    assert _landed(db) == {"k1", "k2", "k3"}
    assert summary.quarantined_by_reason == {"consent_suppressed": 4}


def test_on_the_simulated_sample_ingest_drops_exactly_the_events_after_each_opt_out(
    marts_build, tmp_path
):
    """The simulator's persons opt out with a Consent Updated on the device they keep using:
    per tenant, the lines the marts build's (default) ingest dropped are the truth's events
    after an opt-out, and an ingest that keeps them lands exactly those lines more."""
    db = tmp_path / "w.duckdb"
    _ingest([marts_build.data], db, suppress_opted_out=False)
    con = duckdb.connect(str(db), read_only=True)
    try:
        (everything,) = con.execute("select count(*) from raw.events").fetchone()
        (none_dropped,) = con.execute(
            "select count(*) from raw.quarantine where reason = 'consent_suppressed'"
        ).fetchone()
    finally:
        con.close()
    dropped = dict(
        marts_build.rows(
            "select tenant_id, count(*) from raw.quarantine "
            "where reason = 'consent_suppressed' group by all"
        )
    )
    expected = {
        tenant: counts["events_after_opt_out"]
        for tenant, counts in marts_build.truth["opt_outs"].items()
        if counts["events_after_opt_out"]
    }
    assert expected, "the sample has no opt-outs: the test proves nothing"
    assert dropped == expected
    assert none_dropped == 0
    (loaded,) = marts_build.rows("select count(*) from raw.events")[0]
    assert loaded == everything - sum(expected.values())
