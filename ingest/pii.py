"""The keyed hash that replaces personal data before it reaches the warehouse file.

HMAC-SHA256 with a key from `SIGNALHOUSE_PII_KEY`. DuckDB has SHA-256 but no HMAC, so the
key's inner and outer pads are computed here once and handed to a temporary SQL macro;
`pii_hash` is the same function in Python, used by tests and by `signalhouse erase`.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import warnings

KEY_ENV_VAR = "SIGNALHOUSE_PII_KEY"
DEMO_KEY = "signalhouse-demo-key-not-a-secret"
BLOCK_SIZE = 64


class DemoKeyWarning(UserWarning):
    """The documented demo key is in use: hashes are not secret."""


def pii_key() -> bytes:
    """The configured key, or the documented demo key with a warning."""
    configured = os.environ.get(KEY_ENV_VAR)
    if configured:
        return configured.encode()
    warnings.warn(
        f"{KEY_ENV_VAR} is not set: personal data is hashed with the public demo key. "
        f"Set {KEY_ENV_VAR} to a secret (and keep it) before loading real data.",
        DemoKeyWarning,
        stacklevel=2,
    )
    return DEMO_KEY.encode()


def hmac_pads(key: bytes) -> tuple[str, str]:
    """The HMAC inner and outer pads of a key, as hex, for the SQL macro."""
    if len(key) > BLOCK_SIZE:
        key = hashlib.sha256(key).digest()
    key = key.ljust(BLOCK_SIZE, b"\0")
    inner = bytes(byte ^ 0x36 for byte in key)
    outer = bytes(byte ^ 0x5C for byte in key)
    return inner.hex(), outer.hex()


def pii_hash(value: str, key: bytes) -> str:
    """The token that replaces a personal value (already normalized) in the warehouse."""
    return "pii_" + hmac.new(key, value.encode(), hashlib.sha256).hexdigest()[:32]


def normalize_email(email: str) -> str:
    """E-mails are hashed lower-cased and trimmed, so variants of one address link."""
    return email.strip().lower()
