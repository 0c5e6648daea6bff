"""The event catalogue: every domain event the simulator emits and its property schema.

This module is the single source of the JSON Schemas under ``contract/events/``: run
``python -m signalhouse.simulator.catalogue`` to rewrite them, and the test suite checks that
the files on disk equal what this module produces.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

SCHEMA_DRAFT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_ID_BASE = "https://signalhouse.dev/contract/events"

MESSAGE_TYPES = ("track", "identify", "page", "screen", "alias", "group")
SOURCES = ("web", "ios", "android", "backend")
CLIENT_SOURCES = ("web", "ios", "android")

CHANNELS = ("push", "in_app", "sms")
FALLBACK_CHANNELS = ("email", "sms", "none")
NOTIFICATION_FAILURES = (
    "token_expired",
    "device_unregistered",
    "rate_limited",
    "provider_error",
    "invalid_payload",
)
SYNC_TRIGGERS = ("periodic", "push", "app_open", "manual")
CONNECTIVITY = ("wifi", "cellular", "offline")
CONFLICT_RESOLUTIONS = ("server_wins", "client_wins", "merged")
SYNC_ERROR_CODES = ("offline", "timeout", "server_error", "quota_exceeded", "battery_saver")
PLAN_TIERS = ("free", "pro", "enterprise")
INTEGRATION_TYPES = ("sdk", "zapier", "custom", "webhook")
HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
SURFACES = ("home", "product", "cart")
MODEL_VERSIONS = ("rec-v1", "rec-v2")
CONSENT_CATEGORIES = ("analytics", "marketing", "messaging")
CURRENCIES = ("USD", "EUR")
SIGNUP_METHODS = ("email", "google", "github", "apple")
BOUNCE_TYPES = ("hard", "soft")

_STR = {"type": "string", "minLength": 1}
_INT0 = {"type": "integer", "minimum": 0}
_NUM0 = {"type": "number", "minimum": 0}
_BOOL = {"type": "boolean"}


def _enum(values: tuple[str, ...]) -> dict[str, Any]:
    return {"type": "string", "enum": list(values)}


_NOTIFICATION = {
    "notification_id": _STR,
    "campaign_id": _STR,
    "channel": _enum(CHANNELS),
    "attempt": {"type": "integer", "minimum": 1},
}
_NOTIFICATION_CLIENT = {**_NOTIFICATION, "is_background": _BOOL}
_EMAIL = {
    "email_message_id": _STR,
    "campaign_id": _STR,
    "subject_variant": _enum(("A", "B")),
}
_SYNC = {
    "sync_id": _STR,
    "trigger": _enum(SYNC_TRIGGERS),
    "connectivity": _enum(CONNECTIVITY),
    "battery_level": {"type": "number", "minimum": 0, "maximum": 1},
    "is_charging": _BOOL,
    "is_background": _BOOL,
    "retry_count": _INT0,
}
_SYNC_REQUIRED = [
    "sync_id",
    "trigger",
    "connectivity",
    "battery_level",
    "is_charging",
    "is_background",
    "retry_count",
]
_NOTIFICATION_REQUIRED = ["notification_id", "campaign_id", "channel", "attempt"]
_EMAIL_REQUIRED = ["email_message_id", "campaign_id", "subject_variant"]

# event name -> (families, properties, required)
EVENTS: dict[str, tuple[tuple[str, ...], dict[str, Any], list[str]]] = {
    "Signed Up": (("product",), {"method": _enum(SIGNUP_METHODS)}, ["method"]),
    "Logged In": (("product",), {"method": _enum(SIGNUP_METHODS)}, ["method"]),
    "Feature Used": (("product",), {"feature_name": _STR}, ["feature_name"]),
    "Order Completed": (
        ("product", "conversion"),
        {
            "order_id": _STR,
            "revenue": _NUM0,
            "currency": _enum(CURRENCIES),
            "items_count": {"type": "integer", "minimum": 1},
        },
        ["order_id", "revenue", "currency"],
    ),
    "API Key Created": (
        ("product", "api"),
        {"api_key_id": _STR, "account_id": _STR},
        ["api_key_id"],
    ),
    "Notification Sent": (("notifications",), _NOTIFICATION, _NOTIFICATION_REQUIRED),
    "Notification Delivered": (("notifications",), _NOTIFICATION, _NOTIFICATION_REQUIRED),
    "Notification Displayed": (("notifications",), _NOTIFICATION_CLIENT, _NOTIFICATION_REQUIRED),
    "Notification Opened": (("notifications",), _NOTIFICATION_CLIENT, _NOTIFICATION_REQUIRED),
    "Notification Dismissed": (("notifications",), _NOTIFICATION_CLIENT, _NOTIFICATION_REQUIRED),
    "Notification Failed": (
        ("notifications",),
        {
            **_NOTIFICATION,
            "failure_reason": _enum(NOTIFICATION_FAILURES),
            "fallback_channel": _enum(FALLBACK_CHANNELS),
        },
        [*_NOTIFICATION_REQUIRED, "failure_reason"],
    ),
    "Email Sent": (("email",), _EMAIL, _EMAIL_REQUIRED),
    "Email Delivered": (("email",), _EMAIL, _EMAIL_REQUIRED),
    "Email Bounced": (
        ("email",),
        {**_EMAIL, "bounce_type": _enum(BOUNCE_TYPES), "reason": _STR},
        [*_EMAIL_REQUIRED, "bounce_type", "reason"],
    ),
    "Email Opened": (
        ("email",),
        {**_EMAIL, "is_machine_open": _BOOL},
        [*_EMAIL_REQUIRED, "is_machine_open"],
    ),
    "Email Link Clicked": (
        ("email",),
        {**_EMAIL, "link_url": {"type": "string", "pattern": "^https://"}},
        [*_EMAIL_REQUIRED, "link_url"],
    ),
    "Email Form Submitted": (
        ("email",),
        {**_EMAIL, "form_id": _STR},
        _EMAIL_REQUIRED,
    ),
    "Email Unsubscribed": (("email",), _EMAIL, _EMAIL_REQUIRED),
    "Email Spam Reported": (("email",), _EMAIL, _EMAIL_REQUIRED),
    "Sync Started": (("sync",), _SYNC, _SYNC_REQUIRED),
    "Sync Progress": (
        ("sync",),
        {**_SYNC, "items": _INT0, "bytes_transferred": _INT0},
        [*_SYNC_REQUIRED, "items", "bytes_transferred"],
    ),
    "Sync Completed": (
        ("sync",),
        {**_SYNC, "items": _INT0, "bytes_transferred": _INT0, "duration_ms": _INT0},
        [*_SYNC_REQUIRED, "items", "bytes_transferred", "duration_ms"],
    ),
    "Sync Failed": (
        ("sync",),
        {
            **_SYNC,
            "items": _INT0,
            "bytes_transferred": _INT0,
            "duration_ms": _INT0,
            "error_code": _enum(SYNC_ERROR_CODES),
        },
        [*_SYNC_REQUIRED, "duration_ms", "error_code"],
    ),
    "Sync Conflict Resolved": (
        ("sync",),
        {**_SYNC, "items": _INT0, "conflict_resolution": _enum(CONFLICT_RESOLUTIONS)},
        [*_SYNC_REQUIRED, "items", "conflict_resolution"],
    ),
    "API Request": (
        ("api",),
        {
            "request_id": _STR,
            "endpoint": {"type": "string", "pattern": "^/v[0-9]+/"},
            "method": _enum(HTTP_METHODS),
            "status_code": {"type": "integer", "minimum": 100, "maximum": 599},
            "latency_ms": _NUM0,
            "api_version": _STR,
            "api_key_id": _STR,
            "integration_type": _enum(INTEGRATION_TYPES),
            "account_id": _STR,
        },
        [
            "request_id",
            "endpoint",
            "method",
            "status_code",
            "latency_ms",
            "api_version",
            "api_key_id",
            "integration_type",
            "account_id",
        ],
    ),
    "Experiment Exposure": (
        ("experiments",),
        {"experiment_id": _STR, "variant_id": _STR},
        ["experiment_id", "variant_id"],
    ),
    "Recommendation Served": (
        ("recommendations",),
        {
            "request_id": _STR,
            "surface": _enum(SURFACES),
            "model_version": _enum(MODEL_VERSIONS),
            "items": {
                "type": "array",
                "minItems": 10,
                "maxItems": 10,
                "items": {
                    "type": "object",
                    "properties": {
                        "item_id": _STR,
                        "rank": {"type": "integer", "minimum": 1, "maximum": 10},
                        "score": {"type": "number", "minimum": 0, "maximum": 1},
                    },
                    "required": ["item_id", "rank", "score"],
                    "additionalProperties": False,
                },
            },
            "latency_ms": _NUM0,
            "feature_ms": _NUM0,
            "inference_ms": _NUM0,
            "network_ms": _NUM0,
        },
        [
            "request_id",
            "surface",
            "model_version",
            "items",
            "latency_ms",
            "feature_ms",
            "inference_ms",
            "network_ms",
        ],
    ),
    "Recommendation Clicked": (
        ("recommendations",),
        {
            "request_id": _STR,
            "item_id": _STR,
            "rank": {"type": "integer", "minimum": 1, "maximum": 10},
            "surface": _enum(SURFACES),
            "model_version": _enum(MODEL_VERSIONS),
        },
        ["request_id", "item_id", "rank"],
    ),
    "Consent Updated": (
        ("consent",),
        {
            "categories_granted": {
                "type": "array",
                "items": _enum(CONSENT_CATEGORIES),
                "uniqueItems": True,
            },
            "categories_denied": {
                "type": "array",
                "items": _enum(CONSENT_CATEGORIES),
                "uniqueItems": True,
            },
        },
        ["categories_granted", "categories_denied"],
    ),
}

# page/screen "visits" are not track events but have a properties contract too.
VIEW_SCHEMAS: dict[str, tuple[dict[str, Any], list[str]]] = {
    "page": (
        {
            "url": {"type": "string", "pattern": "^https?://"},
            "path": {"type": "string", "pattern": "^/"},
            "referrer": {"type": "string"},
            "title": {"type": "string"},
            "search": {"type": "string"},
        },
        ["url", "path", "referrer", "title"],
    ),
    "screen": ({"name": _STR}, ["name"]),
}


def snake_case(event: str) -> str:
    """'API Key Created' -> 'api_key_created'."""
    return "_".join(event.lower().split())


def event_schema(event: str) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of one event's ``properties`` object."""
    families, props, required = EVENTS[event]
    return {
        "$schema": SCHEMA_DRAFT,
        "$id": f"{SCHEMA_ID_BASE}/{snake_case(event)}/v1.json",
        "title": f"{event} properties",
        "description": f"The `properties` of a track call with event '{event}'. "
        f"Families: {', '.join(families)}.",
        "type": "object",
        "properties": props,
        "required": required,
        "additionalProperties": True,
    }


def view_schema(kind: str) -> dict[str, Any]:
    props, required = VIEW_SCHEMAS[kind]
    return {
        "$schema": SCHEMA_DRAFT,
        "$id": f"{SCHEMA_ID_BASE}/{kind}_view/v1.json",
        "title": f"{kind} call properties",
        "description": f"The `properties` of a `{kind}` call (a visit).",
        "type": "object",
        "properties": props,
        "required": required,
        "additionalProperties": True,
    }


_ISO_MS = {
    "type": "string",
    "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}Z$",
    "format": "date-time",
}


def envelope_schema() -> dict[str, Any]:
    """The Segment-shaped envelope every valid line satisfies."""
    obj = {"type": "object"}
    return {
        "$schema": SCHEMA_DRAFT,
        "$id": f"{SCHEMA_ID_BASE}/envelope/v1.json",
        "title": "SDK export envelope",
        "description": "One line of a Segment/RudderStack-shaped JSONL export. A line is valid "
        "when it satisfies this schema, has no duplicate keys, no NaN/Infinity, is valid UTF-8 "
        "and is at most 1 MiB. At least one of anonymousId/userId must be present.",
        "type": "object",
        "properties": {
            "type": _enum(MESSAGE_TYPES),
            "messageId": _STR,
            "anonymousId": {"type": "string"},
            "userId": {"type": "string"},
            "event": _STR,
            "name": {"type": "string"},
            "properties": obj,
            "traits": obj,
            "previousId": _STR,
            "groupId": _STR,
            "context": {
                "type": "object",
                "properties": {
                    "app": obj,
                    "device": obj,
                    "os": obj,
                    "library": {
                        "type": "object",
                        "properties": {"name": _STR, "version": _STR},
                        "required": ["name", "version"],
                    },
                    "ip": {"type": "string"},
                    "locale": {"type": "string"},
                    "timezone": {"type": "string"},
                    "network": obj,
                    "campaign": obj,
                    "page": obj,
                    "userAgent": {"type": "string"},
                    "groupId": _STR,
                },
                "required": ["library"],
            },
            "timestamp": _ISO_MS,
            "originalTimestamp": _ISO_MS,
            "sentAt": _ISO_MS,
            "receivedAt": _ISO_MS,
        },
        "required": [
            "type",
            "messageId",
            "context",
            "timestamp",
            "originalTimestamp",
            "sentAt",
            "receivedAt",
        ],
        "anyOf": [{"required": ["anonymousId"]}, {"required": ["userId"]}],
        "allOf": [
            {
                "if": {"properties": {"type": {"const": "track"}}},
                "then": {"required": ["event", "properties"]},
            },
            {
                "if": {"properties": {"type": {"enum": ["page", "screen"]}}},
                "then": {"required": ["name", "properties"]},
            },
            {
                "if": {"properties": {"type": {"const": "identify"}}},
                "then": {"required": ["traits"]},
            },
            {
                "if": {"properties": {"type": {"const": "alias"}}},
                "then": {"required": ["previousId", "userId"]},
            },
            {
                "if": {"properties": {"type": {"const": "group"}}},
                "then": {"required": ["groupId", "traits"]},
            },
        ],
    }


def contract_files() -> dict[str, dict[str, Any]]:
    """Relative path under ``contract/events/`` -> JSON document."""
    files: dict[str, dict[str, Any]] = {"envelope/v1.json": envelope_schema()}
    entries = []
    for event in sorted(EVENTS):
        rel = f"{snake_case(event)}/v1.json"
        files[rel] = event_schema(event)
        entries.append(
            {
                "event": event,
                "type": "track",
                "version": 1,
                "schema_path": f"contract/events/{rel}",
                "families": list(EVENTS[event][0]),
            }
        )
    for kind in ("page", "screen"):
        rel = f"{kind}_view/v1.json"
        files[rel] = view_schema(kind)
        entries.append(
            {
                "event": None,
                "type": kind,
                "version": 1,
                "schema_path": f"contract/events/{rel}",
                "families": ["visits"],
            }
        )
    files["catalogue.json"] = {
        "description": "Events the Signalhouse simulator emits. `event` is the track event "
        "name (null for page/screen calls, whose contract is keyed by `type`).",
        "envelope_schema_path": "contract/events/envelope/v1.json",
        "events": entries,
    }
    return files


def render(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def write_contract(root: Path) -> list[Path]:
    """Write the contract files under ``root`` (normally ``contract/events``)."""
    written = []
    for rel, doc in contract_files().items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render(doc), encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":  # pragma: no cover
    repo = Path(__file__).resolve().parents[2]
    for p in write_contract(repo / "contract" / "events"):
        print(p.relative_to(repo))
