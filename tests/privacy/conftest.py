"""A nightly run on a small sample with planted personal data (the canary), shared by the
canary and retention tests."""

from __future__ import annotations

import json
import secrets
import shutil
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest

from ingest.loader import ingest_paths
from signalhouse.nightly import run_nightly
from signalhouse.simulator import generate

PII_KEY = "privacy-nightly-key"
TENANT = "acme"
SAMPLE = {"users": 30, "days": 4, "seed": 7, "tenants": 1, "defects": "none"}
FIRST_NIGHT_BEFORE = "2026-10-14"  # files received before this day land on the first night


@dataclass
class Canary:
    """Clear values unique to one test session: any hit anywhere is a leak."""

    email: str
    phone: str  # E.164
    phone_formatted: str
    ip: str

    @classmethod
    def new(cls) -> Canary:
        token = secrets.token_hex(5)
        digits = f"{secrets.randbelow(10**7):07d}"
        return cls(
            email=f"Canary.{token}@Leak-Test.example",
            phone=f"+1555{digits}",
            phone_formatted=f"+1 (555) {digits[:3]}-{digits[3:]}",
            ip=f"198.51.{secrets.randbelow(254) + 1}.{secrets.randbelow(254) + 1}",
        )

    def needles(self) -> list[str]:
        """Lower-case substrings, any of which found means the clear value leaked."""
        return [
            self.email.lower(),
            quote(self.email, safe="").lower(),
            self.email.split("@")[0].lower(),
            self.phone[1:],
            self.phone_formatted[3:],
            self.ip,
        ]


def planted_lines(canary: Canary) -> list[str]:
    """Lines that carry the canary in a user id, URLs, properties, traits and context."""
    email_in_url = quote(canary.email, safe="")
    url = (
        f"https://acme.example.com/pricing?email={email_in_url}"
        f"&phone={quote(canary.phone, safe='')}&ip={canary.ip}"
    )
    context = {
        "library": {"name": "analytics.js", "version": "4.15.3"},
        "userAgent": "Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/131.0",
        "locale": "en-US",
        "timezone": "America/New_York",
        "ip": canary.ip,
        "traits": {"email": canary.email, "phone": canary.phone_formatted},
        "page": {"url": url, "path": "/pricing", "referrer": f"mailto:{canary.email}"},
    }

    def line(seconds: int, **fields) -> str:
        at = f"2026-10-13T10:00:{seconds:02d}.000Z"
        envelope = {
            "messageId": f"canary-{seconds}-{secrets.token_hex(4)}",
            "anonymousId": f"canary-anon-{secrets.token_hex(4)}",
            "userId": canary.email,
            "context": context,
            "timestamp": at,
            "originalTimestamp": at,
            "sentAt": at,
            "receivedAt": at,
        }
        return json.dumps({**envelope, **fields})

    return [
        line(
            1,
            type="identify",
            traits={
                "email": canary.email,
                "phone": canary.phone_formatted,
                "name": "Canary Person",
                "last_ip": canary.ip,
            },
        ),
        line(
            2,
            type="page",
            name="Pricing",
            properties={
                "url": url,
                "path": "/pricing",
                "referrer": f"https://mail.example/?to={email_in_url}",
                "title": "Pricing",
                "search": url.split("?", 1)[1],
            },
        ),
        line(
            3,
            type="track",
            event="Feature Used",
            properties={
                "feature": "export",
                "phone": canary.phone,
                "note": f"call {canary.phone} or write to {canary.email} from {canary.ip}",
            },
        ),
        # Not JSON: quarantined, with an excerpt that must be scrubbed as well.
        f'{{"type":"track","userId":"{canary.email}","note":"{canary.phone} {canary.ip}"',
    ]


@dataclass
class PrivacyNightly:
    root: Path
    db: Path
    gx_root: Path
    canary: Canary
    first_night: Path
    second_night: Path
    result: object
    said: list[str] = field(default_factory=list)


def night(paths: list[Path], db: Path, gx_root: Path, said: list[str], **options):
    with pytest.MonkeyPatch.context() as patch, warnings.catch_warnings():
        patch.setenv("SIGNALHOUSE_PII_KEY", PII_KEY)
        warnings.simplefilter("ignore")
        return run_nightly(
            paths, db, ingest=ingest_paths, gx_root=gx_root, say=said.append, **options
        )


@pytest.fixture(scope="session")
def privacy_nightly(tmp_path_factory) -> PrivacyNightly:
    root = tmp_path_factory.mktemp("privacy_nightly")
    generate(root / "all", **SAMPLE)
    first, second = root / "night1", root / "night2"
    for source in sorted((root / "all").rglob("*.jsonl.gz")):
        target = (first if source.name < FIRST_NIGHT_BEFORE else second) / source.relative_to(
            root / "all"
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    canary = Canary.new()
    planted = first / f"tenant={TENANT}" / "web" / "2026-10-13-planted.jsonl"
    planted.write_text("\n".join(planted_lines(canary)) + "\n")
    db = root / "warehouse" / "signalhouse.duckdb"
    gx_root = root / "gx"
    said: list[str] = []
    result = night([first], db, gx_root, said)
    return PrivacyNightly(root, db, gx_root, canary, first, second, result, said)
