"""Personal data never lands in clear; real Segment and RudderStack payloads load as they are."""

from __future__ import annotations

import json

from ingest.loader import ingest_paths
from ingest.pii import normalize_email, pii_hash
from tests.ingest.conftest import line, rows, write_lines

KEY = b"test-key"
EMAIL = "Canary.Person+tag@Example.org"
PHONE = "+14155550123"
IP = "198.51.100.77"
IPV6 = "2001:db8::7"


def test_personal_values_are_hashed_everywhere_in_events_and_quarantine(tmp_path, db):
    planted = [
        line(
            messageId="pii-1",
            userId=EMAIL,
            properties={
                "url": f"https://shop.example/?email={EMAIL.replace('@', '%40')}&p=%2B14155550123",
                "note": f"call {PHONE} or mail {EMAIL.upper()}",
                "phone": "+1 (415) 555-0123",
                "server": f"http://{IP}/status",
            },
            context={"ip": IPV6, "traits": {"email": f"  {EMAIL}  ", "phone": PHONE}},
            request_ip=IP,
        ),
        line(
            messageId="pii-identify",
            type="identify",
            event=...,
            traits={"email": EMAIL, "phone": "+1-415-555-0123", "name": " Canary Person "},
            context={"traits": {"firstName": "Canary", "lastName": "Person"}},
        ),
        # A rejected line carries the same values in its excerpt.
        line(messageId=12, userId=EMAIL, context={"ip": IP}, traits={"name": "Canary Person"}),
    ]
    source = write_lines(tmp_path / "f.jsonl", planted)
    ingest_paths([source], db)

    stored = json.dumps(rows(db, "select * from raw.events"), default=str)
    stored += json.dumps(rows(db, "select * from raw.quarantine"), default=str)
    for clear in [
        EMAIL,
        EMAIL.lower(),
        EMAIL.upper(),
        "Canary.Person",
        "Canary",
        "4155550123",
        IP,
        IPV6,
    ]:
        assert clear.lower() not in stored.lower(), clear

    email_token = pii_hash(normalize_email(EMAIL), KEY)
    phone_token = pii_hash(PHONE, KEY)
    (user_id, payload) = rows(
        db, "select user_id, payload from raw.events where message_id = 'pii-1'"
    )[0]
    assert user_id == email_token
    document = json.loads(payload)
    assert document["context"]["traits"]["email"].strip() == email_token
    assert email_token in document["properties"]["url"]
    assert document["properties"]["phone"] == phone_token
    assert document["context"]["traits"]["phone"] == phone_token
    assert document["context"]["ip"] == pii_hash(IPV6, KEY)
    assert document["request_ip"] == pii_hash(IP, KEY)
    identify = json.loads(rows(db, "select payload from raw.events where type = 'identify'")[0][0])
    name_token = pii_hash("canary person", KEY)  # names are hashed trimmed and lower-cased
    assert identify["traits"] == {"email": email_token, "phone": phone_token, "name": name_token}
    assert identify["context"]["traits"] == {
        "firstName": pii_hash("canary", KEY),
        "lastName": pii_hash("person", KEY),
    }


def test_a_structured_value_repeated_in_the_line_is_hashed_at_every_place(tmp_path, db):
    # The IPv6 address is not caught by the text patterns: only the structured replacement
    # hashes it, including where the same value appears again (and before context.ip).
    planted = line(
        messageId="ip-twice",
        properties={"client": IPV6, "also": [IPV6]},
        context={"ip": IPV6},
        request_ip=IPV6,
    )
    ingest_paths([write_lines(tmp_path / "in" / "f.jsonl", [planted])], db)

    (payload,) = rows(db, "select payload from raw.events")[0]
    assert IPV6 not in payload
    document = json.loads(payload)
    token = pii_hash(IPV6, KEY)
    assert document["context"]["ip"] == document["request_ip"] == token
    assert document["properties"] == {"client": token, "also": [token]}


def test_hashes_depend_on_the_key(tmp_path, monkeypatch):
    tokens = []
    for key in ["key-one", "key-two"]:
        monkeypatch.setenv("SIGNALHOUSE_PII_KEY", key)
        db = tmp_path / f"{key}.duckdb"
        ingest_paths([write_lines(tmp_path / key / "f.jsonl", [line(userId=EMAIL)])], db)
        tokens.append(rows(db, "select user_id from raw.events")[0][0])
    assert tokens[0] != tokens[1]
    assert tokens[1] == pii_hash(normalize_email(EMAIL), b"key-two")


# Payloads shaped as Segment's and RudderStack's public specs document them.
SEGMENT = [
    {
        "anonymousId": "507f191e810c19729de860ea",
        "context": {
            "active": True,
            "app": {
                "name": "InitechGlobal",
                "version": "545",
                "build": "3.0.1.545",
                "namespace": "com.production.segment",
            },
            "campaign": {
                "name": "TPS Innovation Newsletter",
                "source": "Newsletter",
                "medium": "email",
                "term": "tps reports",
                "content": "image link",
            },
            "device": {
                "id": "B5372DB0-C21E-11E4-8DFC-AA07A5B093DB",
                "advertisingId": "7A3CBEA0-BDF5-11E4-8DFC-AA07A5B093DB",
                "adTrackingEnabled": True,
                "manufacturer": "Apple",
                "model": "iPhone7,2",
                "name": "maguro",
                "type": "ios",
            },
            "ip": "8.8.8.8",
            "library": {"name": "analytics.js", "version": "2.11.1"},
            "locale": "nl-NL",
            "network": {
                "bluetooth": False,
                "carrier": "T-Mobile US",
                "cellular": True,
                "wifi": False,
            },
            "os": {"name": "iPhone OS", "version": "8.1.3"},
            "page": {
                "path": "/academy/",
                "referrer": "",
                "search": "",
                "title": "Analytics Academy",
                "url": "https://segment.com/academy/",
            },
            "screen": {"width": 320, "height": 568, "density": 2},
            "groupId": "12345",
            "timezone": "Europe/Amsterdam",
            "userAgent": "Mozilla/5.0 (iPhone; CPU iPhone OS 9_1 like Mac OS X)",
        },
        "event": "Course Clicked",
        "integrations": {"All": True, "Mixpanel": False, "Salesforce": False},
        "messageId": "ajs-f8ca1e4de5024d9430b3928bd8ac6b96",
        "properties": {"title": "Intro to Analytics"},
        "receivedAt": "2015-12-12T19:11:01.266Z",
        "sentAt": "2015-12-12T19:11:01.169Z",
        "timestamp": "2015-12-12T19:11:01.249Z",
        "type": "track",
        "userId": "AiUGstSDIg",
        "originalTimestamp": "2015-12-12T19:11:01.152Z",
        "version": 2,
    },
    {
        "type": "identify",
        "messageId": "ajs-identify-1",
        "userId": "97980cfea0067",
        "traits": {
            "name": "Peter Gibbons",
            "email": "peter@example.com",
            "plan": "premium",
            "logins": 5,
            "address": {
                "street": "6th St",
                "city": "San Francisco",
                "state": "CA",
                "postalCode": "94103",
                "country": "USA",
            },
        },
        "context": {"ip": "24.5.68.47"},
        "timestamp": "2012-12-02T00:30:08.276Z",
        "receivedAt": "2012-12-02T00:30:12.984Z",
        "sentAt": "2012-12-02T00:30:09.000Z",
        "originalTimestamp": "2012-12-02T00:30:08.276Z",
    },
    {
        "type": "page",
        "messageId": "ajs-page-1",
        "anonymousId": "507f191e810c19729de860ea",
        "name": "Home",
        "properties": {
            "title": "Welcome | Initech",
            "url": "http://www.example.com",
            "path": "/",
            "referrer": "https://google.com",
        },
        "timestamp": "2015-02-23T22:28:55.111Z",
        "sentAt": "2015-02-23T22:28:55.000Z",
        "receivedAt": "2015-02-23T22:28:55.111Z",
    },
    {
        "type": "screen",
        "messageId": "ios-screen-1",
        "userId": "97980cfea0067",
        "name": "Home",
        "properties": {"variation": "blue signup button"},
        "context": {"device": {"type": "ios"}},
        "timestamp": "2015-02-23T22:28:55.111Z",
        "receivedAt": "2015-02-23T22:28:55.111Z",
    },
    {
        "type": "alias",
        "messageId": "ajs-alias-1",
        "previousId": "39239-239239-239239-23923",
        "userId": "507f191e81",
        "timestamp": "2015-02-23T22:28:55.111Z",
        "receivedAt": "2015-02-23T22:28:55.111Z",
    },
    {
        "type": "group",
        "messageId": "ajs-group-1",
        "userId": "97980cfea0067",
        "groupId": "0e8c78ea9d97a7b8185e8632",
        "traits": {
            "name": "Initech",
            "industry": "Technology",
            "employees": 329,
            "plan": "enterprise",
            "total billed": 830,
        },
        "timestamp": "2015-02-23T22:28:55.111Z",
        "receivedAt": "2015-02-23T22:28:55.111Z",
    },
]

RUDDERSTACK = [
    {
        "anonymousId": "2a5e1b2c-ee9d-4a0e-9d5f-8a6b7c8d9e0f",
        "channel": "web",
        "context": {
            "app": {
                "build": "1.0.0",
                "name": "RudderLabs JavaScript SDK",
                "namespace": "com.rudderlabs.javascript",
                "version": "1.1.11",
            },
            "library": {"name": "RudderLabs JavaScript SDK", "version": "1.1.11"},
            "locale": "en-GB",
            "os": {"name": "", "version": ""},
            "screen": {"density": 2},
            "traits": {"name": "Richard Hendricks", "email": "rhedricks@example.com", "logins": 2},
            "userAgent": "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)",
        },
        "integrations": {"All": True},
        "messageId": "fc5294e0-4bbd-4c3b-8ad4-d0d5d4d7f1b2",
        "originalTimestamp": "2022-02-01T19:14:18.381Z",
        "receivedAt": "2022-02-01T19:14:18.862Z",
        "request_ip": "[::1]",
        "rudderId": "8f8fa6b5-8e24-489c-8e22-61f23f2e364f",
        "sentAt": "2022-02-01T19:14:18.381Z",
        "timestamp": "2022-02-01T19:14:18.862Z",
        "type": "identify",
        "userId": "27340af5c8819",
    },
    {
        "anonymousId": "2a5e1b2c-ee9d-4a0e-9d5f-8a6b7c8d9e0f",
        "channel": "mobile",
        "context": {
            "device": {
                "id": "d8a1",
                "manufacturer": "Google",
                "model": "Pixel 7",
                "type": "android",
            },
            "library": {"name": "com.rudderstack.android.sdk.core", "version": "1.8.0"},
            "network": {"carrier": "Vodafone", "cellular": True, "wifi": False},
        },
        "event": "Product Reviewed",
        "messageId": "1643742858380-a2d0d7f4",
        "originalTimestamp": "2022-02-01T19:14:18.380Z",
        "properties": {
            "review_id": "86ac1cd43",
            "product_id": "9578257311",
            "rating": 3.0,
            "review_body": "OK for the price. It works but the material feels flimsy.",
        },
        "receivedAt": "2022-02-01T19:14:18.862Z",
        "request_ip": "203.0.113.5",
        "rudderId": "8f8fa6b5-8e24-489c-8e22-61f23f2e364f",
        "sentAt": "2022-02-01T19:14:18.381Z",
        "timestamp": "2022-02-01T19:14:18.861Z",
        "type": "track",
        "userId": "27340af5c8819",
    },
]


def test_segment_and_rudderstack_exports_load_unchanged(tmp_path, db):
    lines = [json.dumps(payload).encode() for payload in SEGMENT + RUDDERSTACK]
    source = write_lines(tmp_path / "tenant=acme" / "export.jsonl", lines)

    result = ingest_paths([source], db).files[0]

    assert result.lines_loaded == len(lines), result.quarantined_by_reason
    loaded = rows(db, "select type, tenant_id from raw.events order by _line_number")
    assert [row[0] for row in loaded] == [payload["type"] for payload in SEGMENT + RUDDERSTACK]
    # Segment's context.groupId names the tenant; the others take the folder's.
    assert loaded[0][1] == "12345" and {row[1] for row in loaded[1:]} == {"acme"}
    # Every field survives apart from the personal values that were hashed.
    first = json.loads(rows(db, "select payload from raw.events where _line_number = 1")[0][0])
    expected = json.loads(json.dumps(SEGMENT[0]))
    expected["context"]["ip"] = pii_hash("8.8.8.8", KEY)
    assert first == expected
