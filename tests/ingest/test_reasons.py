"""Every line is loaded, quarantined with the right reason, or counted blank."""

from __future__ import annotations

import json

import pytest

from ingest.loader import ingest_paths
from tests.ingest.conftest import event, line, rows, write_lines

# One hand-made bad line per reason code, and the reason it must get.
BAD_LINES = [
    (b'{"type":"track","messageId":"x"', "not_json"),
    (line(messageId="trailing") + b" garbage", "not_json"),
    (line(messageId="two") + line(messageId="values"), "not_json"),
    (b'{"type":"track","note":"raw\ttab"}', "not_json"),
    (b'{"type":"track","note":"\\ud800"}', "not_json"),
    (b"[1, 2, 3]", "not_an_object"),
    (b'"a string"', "not_an_object"),
    (b"42", "not_an_object"),
    (b"null", "not_an_object"),
    (b'{"type":"track","messageId":"bad-\xff\xfe-bytes"}', "invalid_unicode"),
    (
        line(messageId="dup-top").replace(b'"type": "track"', b'"type": "track", "type": "page"'),
        "duplicate_key",
    ),
    (
        line(messageId="dup-props", properties={"a": 1}).replace(b'"a": 1', b'"a": 1, "a": 2'),
        "duplicate_key",
    ),
    (
        line(messageId="nan", properties={"revenue": 1.5}).replace(b"1.5", b"NaN"),
        "non_finite_number",
    ),
    (
        line(messageId="inf", properties={"revenue": 1.5}).replace(b"1.5", b"-Infinity"),
        "non_finite_number",
    ),
    (
        line(messageId="big-exp", properties={"revenue": 1.5}).replace(b"1.5", b"1e999"),
        "non_finite_number",
    ),
    (
        line(messageId="big-exp-last", properties={"n": [1.5]}).replace(b"1.5", b"2E+400"),
        "non_finite_number",
    ),
    (line(type=...), "missing_field:type"),
    (line(type="trak"), "unknown_type"),
    (line(type="Track"), "unknown_type"),
    (line(type=3), "wrong_type:type"),
    (line(messageId=...), "missing_field:messageId"),
    (line(messageId="  "), "missing_field:messageId"),
    (line(messageId=12345), "wrong_type:messageId"),
    (line(userId=..., anonymousId=...), "missing_field:anonymousId_or_userId"),
    (line(userId=None, anonymousId=""), "missing_field:anonymousId_or_userId"),
    (line(userId={"id": 1}), "wrong_type:userId"),
    (line(anonymousId=7), "wrong_type:anonymousId"),
    (line(context=[1, 2]), "wrong_type:context"),
    (line(context=[]), "wrong_type:context"),
    (line(context=""), "wrong_type:context"),
    (line(properties="revenue=12"), "wrong_type:properties"),
    (line(type="identify", traits=[1]), "wrong_type:traits"),
    (line(event=...), "missing_field:event"),
    (line(event=""), "missing_field:event"),
    (line(event=17), "wrong_type:event"),
    (line(type="alias", previousId=...), "missing_field:previousId"),
    (line(type="alias", previousId="old", userId=..., anonymousId="a"), "missing_field:userId"),
    (line(type="group", groupId=...), "missing_field:groupId"),
    (line(context={"groupId": 5}), "wrong_type:context.groupId"),
    (line(timestamp=..., originalTimestamp=...), "missing_field:timestamp"),
    (line(timestamp=1760256000000), "wrong_type:timestamp"),
    (line(sentAt=True), "wrong_type:sentAt"),
    (line(originalTimestamp="2026-13-45T99:00:00Z"), "invalid_timestamp"),
    (line(receivedAt="yesterday"), "invalid_timestamp"),
]

GOOD_LINES = [
    line(messageId="ok-1"),
    line(messageId="ok-crlf") + b"\r",
    line(messageId="ok-unicode", properties={"title": "Grüße 👋 日本"}),
    line(messageId="ok-page", type="page", event=..., name="Home"),
    line(messageId="ok-identify", type="identify", event=..., traits={"plan": "pro"}),
    line(messageId="ok-anon-only", userId=...),
    line(messageId="ok-nan-in-string", properties={"note": "NaN and Infinity"}),
    line(messageId="ok-hex-e123", properties={"sku": "4e123", "v": "1e999"}),
    line(messageId="ok-empty-objects", context={}, properties={}, traits={}),
    line(messageId="ok-null-objects", context=None, properties=None),
]


def test_each_bad_line_gets_its_reason_and_every_line_is_counted(tmp_path, db):
    lines = [*GOOD_LINES, b"", b"   \t", *[bad for bad, _ in BAD_LINES]]
    source = write_lines(tmp_path / "in" / "mixed.jsonl", lines)

    summary = ingest_paths([source], db)

    result = summary.files[0]
    assert result.lines_read == len(lines)
    assert result.lines_loaded == len(GOOD_LINES)
    assert result.lines_blank == 2
    assert result.lines_quarantined == len(BAD_LINES)
    first_bad = len(GOOD_LINES) + 3
    expected = [(first_bad + offset, reason) for offset, (_, reason) in enumerate(BAD_LINES)]
    assert rows(db, "select _line_number, reason from raw.quarantine order by 1") == expected
    loaded_ids = rows(db, "select message_id from raw.events order by _line_number")
    assert [row[0] for row in loaded_ids] == [json.loads(good)["messageId"] for good in GOOD_LINES]


def test_quarantine_rows_say_what_was_expected_and_observed(tmp_path, db):
    source = write_lines(tmp_path / "f.jsonl", [line(messageId=12345), line(type="trak")])
    ingest_paths([source], db)
    details = dict(rows(db, "select reason, detail from raw.quarantine"))
    assert details["wrong_type:messageId"] == ("field=messageId expected=string observed=UBIGINT")
    assert "observed=trak" in details["unknown_type"]
    recoverable = rows(db, "select bool_and(is_recoverable) from raw.quarantine")
    assert recoverable == [(True,)]


def test_oversized_lines_are_quarantined_against_a_configurable_limit(tmp_path, db):
    big = line(messageId="big", properties={"blob": "x" * 5000})
    source = write_lines(tmp_path / "f.jsonl", [big, line(messageId="small")])
    summary = ingest_paths([source], db, max_line_bytes=4096)
    assert summary.files[0].quarantined_by_reason == {"oversized": 1}
    excerpt_length = rows(db, "select length(excerpt) from raw.quarantine")[0][0]
    assert excerpt_length <= 500


def test_an_odd_value_at_line_30000_is_neither_lost_nor_cast(tmp_path, db):
    # Auto-detecting readers sample the first rows: a new key and a string where numbers
    # were must come through verbatim, and a number where strings were is quarantined.
    lines = [line(messageId=f"m{i}") for i in range(1, 30_000)]
    lines.append(
        line(
            messageId="m30000",
            properties={"revenue": "12.50", "brand_new_key": {"nested": [1, "two"]}},
            newTopLevelField=True,
        )
    )
    lines.append(line(messageId=30001))
    source = write_lines(tmp_path / "big.jsonl", lines, compress=True)

    summary = ingest_paths([source], db)

    assert summary.files[0].lines_loaded == 30_000
    assert summary.files[0].quarantined_by_reason == {"wrong_type:messageId": 1}
    payload = rows(db, "select payload from raw.events where _line_number = 30000")[0][0]
    parsed = json.loads(payload)
    assert parsed["properties"]["revenue"] == "12.50"
    assert parsed["properties"]["brand_new_key"] == {"nested": [1, "two"]}
    assert parsed["newTopLevelField"] is True
    assert rows(db, "select _line_number from raw.quarantine") == [(30_001,)]


@pytest.mark.parametrize(
    ("overrides", "expected_tenant", "expected_source"),
    [
        ({}, "acme", "path"),
        ({"context": {"groupId": "globex"}}, "globex", "context.groupId"),
    ],
)
def test_tenant_comes_from_context_group_id_then_the_path(
    tmp_path, db, overrides, expected_tenant, expected_source
):
    source = write_lines(tmp_path / "tenant=acme" / "web" / "d.jsonl", [line(**overrides)])
    ingest_paths([source], db)
    assert rows(db, "select tenant_id, _tenant_source from raw.events") == [
        (expected_tenant, expected_source)
    ]


def test_tenant_flag_overrides_the_path_and_default_applies_last(tmp_path, db):
    in_tenant_dir = write_lines(tmp_path / "tenant=acme" / "a.jsonl", [line(messageId="a")])
    plain = write_lines(tmp_path / "plain" / "b.jsonl", [line(messageId="b")])
    ingest_paths([in_tenant_dir], db, tenant="initech")
    ingest_paths([plain], db)
    assert rows(db, "select message_id, tenant_id, _tenant_source from raw.events order by 1") == [
        ("a", "initech", "--tenant"),
        ("b", "default", "default"),
    ]


def test_envelope_columns_are_typed_and_raw_timestamps_kept(tmp_path, db):
    source = write_lines(
        tmp_path / "f.jsonl",
        [line(originalTimestamp="2026-10-12T10:00:00+02:00", sentAt="2026-10-12T08:00:01Z")],
    )
    ingest_paths([source], db)
    (record,) = rows(
        db,
        "select type, event, user_id, anonymous_id, strftime(original_timestamp_at, '%H:%M'),"
        " typeof(received_at) from raw.events",
    )
    assert record == (
        "track",
        "Order Completed",
        "user-1",
        "anon-1",
        "08:00",
        "TIMESTAMP WITH TIME ZONE",
    )
    assert json.loads(rows(db, "select payload from raw.events")[0][0]) == event(
        originalTimestamp="2026-10-12T10:00:00+02:00", sentAt="2026-10-12T08:00:01Z"
    )
