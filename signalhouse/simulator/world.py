"""Run-level and tenant-level parameters: tenants, clocks, accounts, campaigns, experiments.

Everything here is a pure function of the run arguments (seed, users, days, ...), so every
worker process derives the same world without sharing state.
"""

from __future__ import annotations

import bisect
import hashlib
import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cache
from zoneinfo import ZoneInfo

DAY_MS = 86_400_000
HOUR_MS = 3_600_000
MINUTE_MS = 60_000
EPOCH = date(1970, 1, 1)

TENANT_NAMES = (
    "acme",
    "globex",
    "initech",
    "umbrella",
    "hooli",
    "vandelay",
    "wonka",
    "stark",
    "wayne",
    "tyrell",
)
TENANT_TIME_ZONES = {
    "acme": "America/New_York",
    "globex": "Europe/Berlin",
    "initech": "Asia/Tokyo",
    "umbrella": "America/Los_Angeles",
}
TENANT_WEIGHTS = (3.0, 2.0, 1.5, 1.2)  # later tenants weigh 1.0

PERSONS_PER_CHUNK = 200
PERSONS_PER_ACCOUNT = 25
SHARED_DEVICE_BLOCK = 200  # persons i with i % 200 in (17, 18) share one tablet (1%)

# Experiments: the truth of their effects.
EXPERIMENTS = {
    "exp_checkout_button": {
        "variants": {"control": 0.5, "treatment": 0.5},
        "control": "control",
        "true_relative_effect": {"treatment": 0.25},
        "effect_on": "P(Order Completed | checkout exposure in a session)",
    },
    "exp_aa_homepage": {
        "variants": {"control": 0.5, "treatment": 0.5},
        "control": "control",
        "true_relative_effect": {"treatment": 0.0},
        "effect_on": "nothing (A/A test)",
    },
    "exp_rec_model": {
        "variants": {"rec-v1": 0.5, "rec-v2": 0.5},
        "control": "rec-v1",
        "true_relative_effect": None,
        "effect_on": "ranking quality only: rec-v2 ranks by attractiveness with less noise, "
        "so its click-through is higher through the click model, not by a fixed factor",
    },
}
CHECKOUT_BASE_P = 0.16
CHECKOUT_TREATMENT_FACTOR = 1.25

# Position-based click model: P(click at rank r on item i) = examine(r) * attract(i).
EXAMINE_EXPONENT = 0.8
N_ITEMS = 400
ITEM_ATTRACT_BETA = (1.2, 12.0)
RANKING_NOISE_SD = {"rec-v1": 0.30, "rec-v2": 0.08}
CANDIDATES_PER_REQUEST = 40


def examine(rank: int) -> float:
    return 1.0 / rank**EXAMINE_EXPONENT


def stable_hex(*parts: object, n: int = 12) -> str:
    """A short deterministic hex id (blake2b of the parts; independent of PYTHONHASHSEED)."""
    h = hashlib.blake2b("/".join(map(str, parts)).encode(), digest_size=16).hexdigest()
    return h[:n]


def make_rng(*parts: object) -> random.Random:
    """A ``random.Random`` seeded from a string key (seeding with str is deterministic)."""
    return random.Random("/".join(map(str, parts)))


def tenant_ids(n: int) -> list[str]:
    return [TENANT_NAMES[i] if i < len(TENANT_NAMES) else f"tenant{i + 1:02d}" for i in range(n)]


def split_users(users: int, tenants: int) -> list[int]:
    """Deterministic uneven split (60/40 for two tenants); remainder goes to the first."""
    weights = [TENANT_WEIGHTS[i] if i < len(TENANT_WEIGHTS) else 1.0 for i in range(tenants)]
    total = sum(weights)
    counts = [math.floor(users * w / total) for w in weights]
    counts[0] += users - sum(counts)
    return counts


@dataclass(frozen=True)
class RunConfig:
    seed: int
    users: int
    days: int
    tenants: int
    defects: bool
    start_date: date

    @property
    def w0(self) -> int:
        return (self.start_date - EPOCH).days * DAY_MS

    @property
    def w1(self) -> int:
        return self.w0 + self.days * DAY_MS

    @property
    def start_day(self) -> int:
        return (self.start_date - EPOCH).days

    @property
    def truncated_file(self) -> tuple[int, str, int]:
        """(tenant index, source, epoch day) of the file whose archive is cut."""
        return (0, "web", self.start_day + min(1, self.days - 1))

    @property
    def oversized_file(self) -> tuple[int, str, int]:
        return (0, "backend", self.start_day)


@dataclass(frozen=True)
class Account:
    index: int
    account_id: str
    name: str
    plan_tier: str
    employees: int
    key_before_window: bool
    creates_key: bool
    api_key_id: str
    integration_type: str
    daily_requests: float
    project_ids: tuple[int, ...]


_COMPANY = (
    "Northwind",
    "Contoso",
    "Fabrikam",
    "Tailspin",
    "Wingtip",
    "Litware",
    "Proseware",
    "Adventure Works",
    "Blue Yonder",
    "Coho",
    "Lucerne",
    "Margie's",
    "Trey",
    "Fourth Coffee",
    "Alpine Ski",
    "Woodgrove",
    "Humongous",
    "Datum",
    "Wide World",
    "Graphic Design",
)
_SUFFIX = ("Inc", "GmbH", "KK", "LLC", "Ltd", "SA", "AG")


@dataclass
class TenantWorld:
    cfg: RunConfig
    index: int
    tenant: str
    time_zone: str
    persons: int
    # local midnights (UTC ms) for local dates first_local_date + k
    first_local_day: int
    midnights: list[int]
    email_campaigns: list[tuple[str, int]] = field(default_factory=list)
    push_campaigns: list[tuple[str, int, str]] = field(default_factory=list)
    burst: tuple[int, int] = (0, 0)
    campaigns: list[dict[str, str]] = field(default_factory=list)
    _accounts: dict[int, Account] = field(default_factory=dict, repr=False)

    @property
    def n_chunks(self) -> int:
        return max(1, math.ceil(self.persons / PERSONS_PER_CHUNK)) if self.persons else 0

    @property
    def n_accounts(self) -> int:
        return math.ceil(self.persons / PERSONS_PER_ACCOUNT)

    def local_day_index(self, ms: int) -> int:
        """Index into ``midnights`` of the local date containing ``ms``."""
        return bisect.bisect_right(self.midnights, ms) - 1

    def local_date(self, ms: int) -> str:
        return (EPOCH + timedelta(days=self.first_local_day + self.local_day_index(ms))).isoformat()

    def window_day_indices(self) -> range:
        """Local day indices whose days overlap the UTC window."""
        lo = self.local_day_index(self.cfg.w0)
        hi = self.local_day_index(self.cfg.w1 - 1)
        return range(lo, hi + 1)

    def local_weekday(self, day_index: int) -> int:
        return (EPOCH + timedelta(days=self.first_local_day + day_index)).weekday()

    def account(self, j: int) -> Account:
        if j not in self._accounts:
            self._accounts[j] = self._make_account(j)
        return self._accounts[j]

    def _make_account(self, j: int) -> Account:
        rng = make_rng(self.cfg.seed, self.tenant, "account", j)
        u = rng.random()
        tier = "free" if u < 0.5 else "pro" if u < 0.85 else "enterprise"
        employees = (
            int(rng.lognormvariate({"free": 2.0, "pro": 3.6, "enterprise": 6.2}[tier], 0.7)) + 1
        )
        key_before = rng.random() < 0.35
        creates_key = (not key_before) and rng.random() < 0.45
        base = {"free": 12.0, "pro": 60.0, "enterprise": 220.0}[tier]
        return Account(
            index=j,
            account_id=f"acc_{stable_hex(self.cfg.seed, self.tenant, 'acc', j, n=10)}",
            name=f"{rng.choice(_COMPANY)} {rng.choice(_SUFFIX)}",
            plan_tier=tier,
            employees=employees,
            key_before_window=key_before,
            creates_key=creates_key,
            api_key_id=f"key_{stable_hex(self.cfg.seed, self.tenant, 'key', j, n=16)}",
            integration_type=rng.choices(
                ("sdk", "zapier", "custom", "webhook"), weights=(5, 2, 2, 1)
            )[0],
            daily_requests=base * rng.lognormvariate(0.0, 0.5),
            project_ids=tuple(sorted(rng.sample(range(1000, 9999), rng.randint(1, 4)))),
        )


@cache
def tenant_world(cfg: RunConfig, index: int) -> TenantWorld:
    tenant = tenant_ids(cfg.tenants)[index]
    tz_name = TENANT_TIME_ZONES.get(tenant, "UTC")
    tz = ZoneInfo(tz_name)
    first_local = cfg.start_date - timedelta(days=2)
    midnights = []
    n_local = cfg.days + 20
    for k in range(n_local):
        d = first_local + timedelta(days=k)
        midnights.append(int(datetime.combine(d, time(0), tzinfo=tz).timestamp() * 1000))
    w = TenantWorld(
        cfg=cfg,
        index=index,
        tenant=tenant,
        time_zone=tz_name,
        persons=split_users(cfg.users, cfg.tenants)[index],
        first_local_day=(first_local - EPOCH).days,
        midnights=midnights,
    )
    rng = make_rng(cfg.seed, tenant, "world")
    days = list(w.window_day_indices())
    # Weekly marketing emails at 10:00 local, pushes at 18:30 local.
    for n, di in enumerate(days[1::7]):
        w.email_campaigns.append((f"em_{tenant}_{n + 1:02d}", midnights[di] + 10 * HOUR_MS))
    for n, di in enumerate(days[3::5]):
        channel = "push" if n % 4 else "in_app"
        w.push_campaigns.append(
            (f"nt_{tenant}_{n + 1:02d}", midnights[di] + 18 * HOUR_MS + 30 * MINUTE_MS, channel)
        )
    bd = days[min(len(days) - 1, rng.randint(1, max(1, len(days) - 2)))]
    bh = rng.randint(9, 16)
    w.burst = (midnights[bd] + bh * HOUR_MS, midnights[bd] + (bh + 1) * HOUR_MS)
    for source, medium, names in (
        ("google", "cpc", ("brand_search", "generic_analytics")),
        ("facebook", "paid_social", ("retargeting_q4", "lookalike")),
        ("linkedin", "paid_social", ("b2b_leads",)),
        ("newsletter_partner", "referral", ("partner_swap",)),
        ("producthunt", "referral", ("launch_day",)),
    ):
        for name in names:
            w.campaigns.append(
                {
                    "source": source,
                    "medium": medium,
                    "name": name,
                    "term": "product analytics" if medium == "cpc" else "",
                    "content": rng.choice(("banner_a", "banner_b", "text")),
                }
            )
    return w


@cache
def item_attractiveness(seed: int) -> tuple[float, ...]:
    rng = make_rng(seed, "items")
    a, b = ITEM_ATTRACT_BETA
    return tuple(round(rng.betavariate(a, b), 4) for _ in range(N_ITEMS))


def item_id(k: int) -> str:
    return f"item_{k:04d}"


def to_iso_date(epoch_day: int) -> str:
    return (EPOCH + timedelta(days=epoch_day)).isoformat()
