"""Simulate one person (all their devices, sessions and server-side events) or one bot.

Each person draws from their own ``random.Random`` seeded by (seed, tenant, person index), so
a person's events do not depend on chunking, worker count or the defect mode. Valid lines are
appended to a :class:`ChunkOut`; defects are added later by :mod:`.defects`.
"""

from __future__ import annotations

import itertools
import json
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from functools import cache

import numpy as np

from signalhouse.simulator.envelope import (
    F_BOT,
    F_CLOCK_SKEW,
    F_COLLIDABLE,
    F_PLACEHOLDER,
    SOURCE_INDEX,
    dumps,
    finish_line,
    iso,
    new_uuid,
)
from signalhouse.simulator.world import (
    CANDIDATES_PER_REQUEST,
    CHECKOUT_BASE_P,
    CHECKOUT_TREATMENT_FACTOR,
    DAY_MS,
    HOUR_MS,
    MINUTE_MS,
    N_ITEMS,
    PERSONS_PER_ACCOUNT,
    RANKING_NOISE_SD,
    SHARED_DEVICE_BLOCK,
    TenantWorld,
    examine,
    item_attractiveness,
    item_id,
    make_rng,
    stable_hex,
)

SESSION_GAP_MIN_MS = 45 * MINUTE_MS
INTRA_GAP_MAX_MS = 9 * MINUTE_MS + 30_000
EDGE_GAP_MS = 30 * MINUTE_MS
PLACEHOLDERS = ("null", "undefined", "0", "", "anonymous")

_FIRST = (
    "james",
    "mary",
    "li",
    "sofia",
    "noah",
    "emma",
    "lucas",
    "mia",
    "omar",
    "hana",
    "yuki",
    "lars",
    "amara",
    "diego",
    "chloe",
    "ivan",
    "priya",
    "tom",
    "eva",
    "kofi",
)
_LAST = (
    "smith",
    "garcia",
    "müller",
    "tanaka",
    "kim",
    "rossi",
    "dubois",
    "novak",
    "silva",
    "okafor",
    "nguyen",
    "jensen",
    "cohen",
    "patel",
    "brown",
    "sato",
    "lopez",
    "berg",
)
_UNICODE_NAMES = (
    "Zoë Ångström",
    "李小龙",
    "Наталья Петрова",
    "José 🚀 Núñez",
    "Ølaf Ærø",
    "山田 花子",
    "Dvořák Čapek",
    "محمد علي",
    "Ἀλέξανδρος",
)
_DOMAINS = ("example.com", "mail.example.org", "corp.example.net", "example.co.jp")
_FEATURES = (
    "dashboard_filter",
    "export_csv",
    "create_report",
    "share_link",
    "invite_teammate",
    "dark_mode",
    "funnel_builder",
    "cohort_builder",
    "alert_rule",
    "sql_editor",
    "retention_chart",
    "annotation",
)
_UNICODE_FEATURES = ("résumé_export", "絵文字_picker", "🎉 celebrate", "ñandú_mode")
_WEB_PAGES = (
    ("/", "Home"),
    ("/pricing", "Pricing"),
    ("/features", "Features"),
    ("/docs/getting-started", "Getting started"),
    ("/blog/sessionization", "Blog"),
)
_APP_PAGES = (
    ("/app/dashboard", "Dashboard"),
    ("/app/reports", "Reports"),
    ("/app/projects/{pid}", "Project"),
    ("/app/settings", "Settings"),
    ("/app/integrations", "Integrations"),
    ("/app/recommendations", "For you"),
)
_SCREENS = ("Dashboard", "Reports", "Project", "Settings", "Notifications", "Profile", "For you")
_BOT_UAS = (
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "python-requests/2.31.0",
    "HeadlessChrome/119.0.6045.105",
)
_WEB_UAS = (
    (
        "Mac OS X",
        "14.5",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    ),
    (
        "Windows",
        "10",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Chrome/129.0.0.0 Safari/537.36",
    ),
    ("Linux", "x86_64", "Mozilla/5.0 (X11; Linux x86_64; rv:131.0) Gecko/20100101 Firefox/131.0"),
    (
        "iOS",
        "17.6",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 "
        "(KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
    ),
)
_IOS_MODELS = ("iPhone15,2", "iPhone16,1", "iPhone14,7", "iPad13,18")
_ANDROID_MODELS = (
    ("samsung", "SM-S918B"),
    ("Google", "Pixel 8"),
    ("Xiaomi", "2201117TG"),
    ("OnePlus", "CPH2449"),
)
_CARRIERS = ("Verizon", "T-Mobile", "Vodafone", "Telekom", "NTT docomo", "O2")
_LOCALES = {"acme": "en-US", "globex": "de-DE", "initech": "ja-JP", "umbrella": "en-US"}
_API_ENDPOINTS = (
    # method, path template, api version, log-normal mu (ms), sigma, weight
    ("POST", "/v1/projects/{pid}/events", "v1", 3.6, 0.45, 30),
    ("GET", "/v1/projects/{pid}/events", "v1", 4.4, 0.6, 15),
    ("GET", "/v2/users/u_{uid}", "v2", 3.2, 0.4, 20),
    ("PATCH", "/v2/users/u_{uid}", "v2", 3.7, 0.5, 5),
    ("POST", "/v2/batch", "v2", 4.8, 0.55, 12),
    ("GET", "/v1/projects/{pid}/funnels/{fid}", "v1", 5.3, 0.7, 8),
    ("DELETE", "/v2/users/u_{uid}", "v2", 3.5, 0.4, 2),
    ("GET", "/v1/health", "v1", 1.6, 0.3, 8),
)
_API_CUM_WEIGHTS = tuple(itertools.accumulate(e[5] for e in _API_ENDPOINTS))
_TIER_LATENCY = {"free": 0.0, "pro": 0.15, "enterprise": 0.4}
_ITEM_IDS = tuple(item_id(k) for k in range(N_ITEMS))
_EXAMINE = (0.0, *(examine(r) for r in range(1, 11)))


@cache
def _attract_array(seed: int) -> np.ndarray:
    return np.array(item_attractiveness(seed))


_REVENUE_MU = {"free": math.log(29.0), "pro": math.log(99.0), "enterprise": math.log(420.0)}


@dataclass
class ChunkOut:
    """Valid lines and truth fragments produced by one unit of work."""

    records: list[tuple[int, int, int, str, int]] = field(default_factory=list)
    persons: list[dict] = field(default_factory=list)
    shared: dict[str, list[str]] = field(default_factory=dict)
    bots: list[str] = field(default_factory=list)
    sessions: Counter = field(default_factory=Counter)  # (platform, local date)
    sessions_after_opt_out: Counter = field(default_factory=Counter)
    bot_sessions: Counter = field(default_factory=Counter)  # local date
    edge_gaps: list[dict] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)  # "family.metric" -> n
    revenue: Counter = field(default_factory=Counter)  # currency -> cents
    funnels: Counter = field(default_factory=Counter)  # (funnel, step index) -> persons
    exp_assigned: Counter = field(default_factory=Counter)  # (experiment, variant)
    exp_converted: Counter = field(default_factory=Counter)


@dataclass
class Device:
    source: str
    src: int
    anon: str
    device_id: str | None
    ctx: dict
    weight: float
    skew: int = 0
    shared: bool = False
    login_ts: int | None = None  # when a user id was first attached on this device

    @property
    def mobile(self) -> bool:
        return self.source in ("ios", "android")


def _geometric(rng: random.Random, mean: float) -> int:
    return int(rng.expovariate(1.0 / mean))


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, int(rng.gauss(lam, math.sqrt(lam)) + 0.5))
    k, p, limit = 0, 1.0, math.exp(-lam)
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


class PersonSim:
    """One person's month. ``run()`` appends lines and truth to ``out``."""

    def __init__(self, w: TenantWorld, i: int, out: ChunkOut) -> None:
        self.w, self.i, self.out = w, i, out
        cfg = w.cfg
        self.defects = cfg.defects
        self.rng = make_rng(cfg.seed, w.tenant, "p", i)
        self.odd = make_rng(cfg.seed, w.tenant, "p", i, "odd")
        self.person_key = f"{w.tenant}-p{i:06d}"
        self.records_from = len(out.records)
        self.marks: list[tuple[int, str]] = []  # (ts, label) for funnels and truth
        self.session_starts: list[tuple[int, str]] = []
        self.emails_emitted: list[str] = []
        self.orders: list[tuple[int, str, int]] = []  # (ts, currency, revenue in cents)
        self.attract = item_attractiveness(cfg.seed)
        self.attract_np = _attract_array(cfg.seed)
        self.np_rng: np.random.Generator | None = None

    # ---------------------------------------------------------------- attributes
    def _init_attributes(self) -> None:
        rng, w, i = self.rng, self.w, self.i
        u = rng.random()
        self.category = "existing" if u < 0.4 else "new" if u < 0.72 else "anonymous"
        block = i % SHARED_DEVICE_BLOCK
        pair_base = i - block + 17
        self.shared_role = block in (17, 18) and pair_base + 1 < w.persons
        self.is_owner = i % PERSONS_PER_ACCOUNT == 0
        if (self.is_owner or self.shared_role) and self.category == "anonymous":
            self.category = "existing"
        self.account = w.account(i // PERSONS_PER_ACCOUNT)
        self.is_user = self.category != "anonymous"
        self.user_id = (
            f"u_{stable_hex(w.cfg.seed, w.tenant, 'user', i, n=12)}" if self.is_user else None
        )
        self.legacy_id = (
            f"legacy_{stable_hex(w.cfg.seed, w.tenant, 'legacy', i, n=8)}"
            if self.category == "existing" and rng.random() < 0.06
            else None
        )
        self.alias_ts: int | None = None
        unicode_name = rng.random() < 0.08
        first, last = rng.choice(_FIRST), rng.choice(_LAST)
        self.name = (
            rng.choice(_UNICODE_NAMES) if unicode_name else f"{first.title()} {last.title()}"
        )
        local = f"{first}.{last}.{w.index}{i:05d}".replace("ü", "u")
        self.email = f"{local}@{rng.choice(_DOMAINS)}"
        vu = rng.random()
        self.email_variant = None
        if vu < 0.10:
            self.email_variant = rng.choice(
                (
                    self.email.upper(),
                    f" {self.email}",
                    f"{self.email} ",
                    self.email[0].upper() + self.email[1:],
                )
            )
        self.phone = f"+1-555-{rng.randint(100, 999)}-{rng.randint(1000, 9999)}"
        self.apple_mail = rng.random() < 0.35
        self.marketing = rng.random() < 0.8
        self.rate = min(4.0, rng.lognormvariate(math.log(0.45), 0.8))
        self.plan_tier = self.account.plan_tier if self.is_user else None
        # experiments (assignment drawn for everybody, exposures decide who is "assigned")
        self.variant = {
            "exp_checkout_button": "treatment" if rng.random() < 0.5 else "control",
            "exp_aa_homepage": "treatment" if rng.random() < 0.5 else "control",
            "exp_rec_model": "rec-v2" if rng.random() < 0.5 else "rec-v1",
        }
        self.first_exposure: dict[str, int] = {}
        # time line
        cfg = w.cfg
        span = cfg.w1 - cfg.w0
        self.first_visit = cfg.w0 + int(rng.random() ** 1.2 * span * 0.9)
        if self.category == "existing":
            self.signup_target = cfg.w0 - rng.randint(1, 500) * DAY_MS - rng.randint(0, DAY_MS)
            self.signed_up_at: int | None = self.signup_target
        elif self.category == "new":
            self.signup_target = min(
                cfg.w1 - 2 * HOUR_MS,
                self.first_visit + (0 if rng.random() < 0.45 else rng.randint(HOUR_MS, 5 * DAY_MS)),
            )
            self.signed_up_at = None
        else:
            self.signup_target = None
            self.signed_up_at = None
        self.opt_out_target = None
        if self.is_user and rng.random() < 0.04:
            lo = max(cfg.w0, self.signup_target) + DAY_MS
            if lo < cfg.w1 - 2 * DAY_MS:
                self.opt_out_target = rng.randint(lo, cfg.w1 - 2 * DAY_MS)
        self.opted_out_at: int | None = None
        self.first_platform: str | None = None
        self._init_devices()

    def _init_devices(self) -> None:
        rng, w = self.rng, self.w
        devs: list[Device] = []
        if self.is_user:
            u = rng.random()
            has_web = u > 0.15
            n_web = (1 + (rng.random() < 0.3)) if has_web else 0
            has_ios = rng.random() < 0.38 or not has_web
            has_android = rng.random() < (0.08 if has_ios else 0.45)
        else:
            mobile_only = rng.random() < 0.15
            n_web = 0 if mobile_only else 1
            has_ios = mobile_only and rng.random() < 0.5
            has_android = mobile_only and not has_ios
        for _ in range(n_web):
            devs.append(self._web_device(rng.random() < 0.8 and not devs))
        if has_ios:
            devs.append(self._mobile_device("ios", 1.0))
        if has_android:
            devs.append(self._mobile_device("android", 1.0))
        if self.shared_role:
            pair_key = self.i - self.i % SHARED_DEVICE_BLOCK + 17
            srng = make_rng(w.cfg.seed, w.tenant, "shared", pair_key)
            tablet = self._mobile_device("ios", 0.6, rng=srng, model="iPad13,18")
            tablet.shared = True
            devs.append(tablet)
            if self.i == pair_key:
                self.out.shared[tablet.anon] = [self.person_key, f"{w.tenant}-p{pair_key + 1:06d}"]
        for d in devs:
            if self.odd.random() < 0.005 and self.defects:
                d.skew = self.odd.choice((-1, 1)) * self.odd.randint(365, 4 * 365) * DAY_MS
        self.devices = devs
        first = [d for d in devs if not d.shared]
        if self.category == "new" and rng.random() < 0.3:
            mob = [d for d in first if d.mobile]
            first = mob or first
        self.first_device = first[0]

    def _web_device(self, primary: bool) -> Device:
        rng, w = self.rng, self.w
        os_name, os_version, ua = rng.choice(_WEB_UAS)
        ctx = {
            "library": {"name": "analytics.js", "version": "4.15.3"},
            "userAgent": ua,
            "os": {"name": os_name, "version": os_version},
            "locale": _LOCALES.get(w.tenant, "en-GB"),
            "timezone": w.time_zone,
            "ip": f"{rng.randint(11, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}."
            f"{rng.randint(1, 254)}",
        }
        return Device("web", 0, new_uuid(rng), None, ctx, 1.0 if primary else 0.4)

    def _mobile_device(
        self, source: str, weight: float, rng: random.Random | None = None, model: str = ""
    ) -> Device:
        rng = rng or self.rng
        w = self.w
        device_id = new_uuid(rng).upper() if source == "ios" else f"{rng.getrandbits(64):016x}"
        if source == "ios":
            manufacturer, model = "Apple", model or rng.choice(_IOS_MODELS[:3])
            os_ = {"name": "iOS", "version": rng.choice(("17.6", "18.0.1", "18.1"))}
            lib = {"name": "analytics-ios", "version": "4.1.8"}
        else:
            manufacturer, model = rng.choice(_ANDROID_MODELS)
            os_ = {"name": "Android", "version": rng.choice(("13", "14", "15"))}
            lib = {"name": "analytics-android", "version": "4.11.3"}
        version = rng.choice(("3.4.1", "3.5.0", "3.5.2"))
        ctx = {
            "app": {
                "name": "Signalhouse Demo",
                "version": version,
                "build": version.replace(".", ""),
            },
            "device": {
                "id": device_id,
                "type": source,
                "manufacturer": manufacturer,
                "model": model,
            },
            "os": os_,
            "library": lib,
            "locale": _LOCALES.get(w.tenant, "en-GB"),
            "timezone": w.time_zone,
            "ip": f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
        }
        return Device(source, SOURCE_INDEX[source], new_uuid(rng), device_id, ctx, weight)

    # ---------------------------------------------------------------- emission
    def _ids(self, dev: Device | None, ts: int) -> dict:
        """anonymousId / userId for a line at time ts."""
        h: dict = {}
        if dev is not None:
            h["anonymousId"] = dev.anon
            if dev.login_ts is not None and ts >= dev.login_ts and self.user_id:
                h["userId"] = self.user_id
        else:
            uid = self.user_id
            if self.legacy_id and (self.alias_ts is None or ts < self.alias_ts):
                uid = self.legacy_id
            h["userId"] = uid
        return h

    def _emit(
        self,
        src: int,
        ctx_json: str,
        t: int,
        head: dict,
        delay: int,
        lat: int,
        skew: int = 0,
        flags: int = 0,
        recv_override: int | None = None,
    ) -> int:
        if self.defects and self.odd.random() < 0.001:
            flags |= F_PLACEHOLDER
            ph = self.odd.choice(PLACEHOLDERS)
            if "userId" in head and "anonymousId" in head:
                head["anonymousId"] = ph
            elif "anonymousId" in head:
                head["userId"] = ph
            else:
                head["anonymousId"] = ph
        if skew:
            flags |= F_CLOCK_SKEW
        recv = t + delay + lat if recv_override is None else recv_override
        sent = recv - lat
        ts = recv - (sent - t)  # == t + lat: Segment's skew-corrected timestamp
        line = finish_line(head, ctx_json, ts, t + skew, sent + skew, recv)
        self.out.records.append((recv, src, ts, line, flags))
        return ts

    def _head(self, typ: str, ids: dict, **fields: object) -> dict:
        h = {"type": typ, "messageId": new_uuid(self.rng)}
        h.update(ids)
        h.update(fields)
        return h

    # ---------------------------------------------------------------- sessions
    def run(self) -> None:
        self._init_attributes()
        rng, w = self.rng, self.w
        cfg = w.cfg
        cands: list[tuple[int, int, str, Device, dict]] = []  # start, order, kind, dev, extra
        seq = 0

        def add(start: int, kind: str, dev: Device, extra: dict | None = None) -> None:
            nonlocal seq
            if cfg.w0 <= start < cfg.w1:
                cands.append((start, seq, kind, dev, extra or {}))
                seq += 1

        self.pending: list[tuple[int, str, object]] = []  # backend/background specs
        days = list(w.window_day_indices())
        if self.category == "anonymous":
            n = 1 + _geometric(rng, 1.2)
            t = self.first_visit
            for _ in range(min(n, 6)):
                add(t, "anon", self.first_device)
                t += rng.randint(2 * HOUR_MS, 4 * DAY_MS)
        else:
            if self.category == "new":
                t = self.first_visit
                while t < self.signup_target - SESSION_GAP_MIN_MS:
                    add(t, "anon", self.first_device)
                    t += rng.randint(SESSION_GAP_MIN_MS + HOUR_MS, 2 * DAY_MS)
                add(self.signup_target, "signup", self.first_device)
            active_from = max(cfg.w0, self.signup_target)
            usable = [d for d in self.devices]
            weights = [d.weight for d in usable]
            for di in days:
                lam = self.rate * (0.55 if w.local_weekday(di) >= 5 else 1.0)
                for _ in range(_poisson(rng, lam)):
                    hour = min(23.4, max(6.0, rng.gauss(14.0, 4.0)))
                    start = w.midnights[di] + int(hour * HOUR_MS) + rng.randint(0, 59_999)
                    dev = rng.choices(usable, weights=weights)[0]
                    if dev.shared and (di % 2) != (self.i % 2):
                        continue
                    if start > active_from + HOUR_MS:
                        add(start, "organic", dev)
            self._plan_emails(add)
            self._plan_pushes(add)
        if not cands:  # everybody in the truth shows up in the files at least once
            start = max(cfg.w0, min(cfg.w1 - DAY_MS, self.first_visit))
            cands.append((start, seq, "organic", self.first_device, {}))
        cands.sort()
        last_end = -(10**15)
        for start, _, kind, dev, extra in cands:
            if start < last_end + SESSION_GAP_MIN_MS:
                if kind == "signup":
                    start = last_end + SESSION_GAP_MIN_MS + rng.randint(0, 30 * MINUTE_MS)
                else:
                    if kind == "push":
                        self.pending.append((extra["open"], "push_dismiss", extra))
                    continue
            last_end = self._session(dev, start, kind, extra)
        if self.is_user:
            self._background_syncs(days)
            self._group_calls()
            if self.is_owner:
                self._api()
            self._flush_pending()
            if self.category == "existing":
                self._consent_on_file()
        self._truth()

    def _view(
        self, dev: Device, path: str, title: str, referrer: str = "", search: str = ""
    ) -> tuple[dict, str, str, dict]:
        """(head fields, ctx_json, kind, props) for a page or screen view."""
        if dev.source == "web":
            url = f"https://{self.w.tenant}.example.com{path}{search}"
            page = {"url": url, "path": path, "referrer": referrer, "title": title}
            if search:
                page["search"] = search
            return {"name": title, "properties": page}, "page", url, page
        return {"name": title, "properties": {"name": title}}, "screen", "", {}

    def _session(self, dev: Device, start: int, kind: str, extra: dict) -> int:
        """Emit one session's client events; returns the device time of its last event."""
        rng, w = self.rng, self.w
        evs: list[tuple[int, dict, int, str]] = []  # (t, head, flags, ctx_json)
        lat = rng.randint(15, 400)  # one network latency per session: ts gaps == t gaps
        base = dict(dev.ctx)
        campaign = None
        if dev.source == "web":
            if kind == "email":
                campaign = extra["campaign"]
            elif kind in ("anon", "signup", "organic"):
                p_campaign = 0.1 if kind == "organic" else 0.4
                if rng.random() < p_campaign:
                    campaign = dict(rng.choice(w.campaigns))
            if campaign:
                base["campaign"] = {k: v for k, v in campaign.items() if v}
        else:
            cellular = rng.random() < 0.35
            base["network"] = {
                "wifi": not cellular,
                "cellular": cellular,
                "carrier": rng.choice(_CARRIERS),
            }
        ctx_base = dumps(base)
        ctx_prefix = ctx_base[:-1]
        page_ctx = ctx_base
        current_url = ""
        t = start
        signed_up = self.signed_up_at is not None

        def step(lo: int = 1_000, mean: int = 45_000) -> None:
            nonlocal t
            t += min(INTRA_GAP_MAX_MS, lo + int(rng.expovariate(1.0 / mean)))

        def mark(label: str) -> None:
            self.marks.append((t + lat, label))

        def ids() -> dict:
            h = {"anonymousId": dev.anon}
            if dev.login_ts is not None and self.user_id:
                h["userId"] = self.user_id
            return h

        def ev(head: dict, flags: int = 0) -> None:
            evs.append((t, head, flags, page_ctx))

        def track(event: str, props: dict, flags: int = 0) -> None:
            ev(self._head("track", ids(), event=event, properties=props), flags)

        def view(path: str, title: str) -> None:
            nonlocal page_ctx, current_url
            search = ""
            if campaign and not current_url:
                search = (
                    f"?utm_source={campaign['source']}&utm_medium={campaign['medium']}"
                    f"&utm_campaign={campaign['name']}"
                )
            fields, typ, url, page = self._view(dev, path, title, current_url, search)
            if dev.source == "web":
                page_ctx = f'{ctx_prefix},"page":{dumps(page)}}}'
                current_url = url
            ev(self._head(typ, ids(), **fields), F_COLLIDABLE)
            mark("visit")

        def login() -> None:
            dev.login_ts = t
            if dev.shared or self.category == "new" or rng.random() < 0.3:
                track("Logged In", {"method": rng.choice(("email", "google", "apple"))})
            step(200, 500)
            self._identify(ev, ids, t)
            if self.legacy_id and self.alias_ts is None:
                step(200, 500)
                ev(self._head("alias", ids(), previousId=self.legacy_id))
                self.alias_ts = t + lat
            if self.first_platform is None:
                self.first_platform = dev.source

        if kind == "push":
            track("Notification Opened", {**extra["props"], "is_background": False})
            mark("notification_opened")
            self.out.counts["notifications.opened"] += 1
            step()
        if dev.shared and signed_up:
            login()  # a shared tablet: whoever picks it up logs in first
            step()
        # landing view
        if dev.source == "web":
            if campaign:
                path, title = ("/pricing", "Pricing")
            elif not signed_up:
                path, title = rng.choice(_WEB_PAGES[:3])
            else:
                path, title = (
                    ("/", "Home") if rng.random() < 0.3 else ("/app/dashboard", "Dashboard")
                )
            view(path, title)
            if path == "/":
                step(500, 2_000)
                self._exposure(track, mark, "exp_aa_homepage")
        else:
            view("Home", "Home")
        # identity
        if kind == "signup" and not signed_up:
            step()
            if dev.source == "web":
                view("/signup", "Sign up")
            else:
                view("Sign up", "Sign up")
            step()
            dev.login_ts = t
            track(
                "Signed Up", {"method": rng.choice(("email", "email", "google", "github", "apple"))}
            )
            self.signed_up_at = t + lat
            self.first_platform = dev.source
            mark("signed_up")
            step(200, 500)
            self._identify(ev, ids, t)
            step(200, 800)
            granted = ["analytics", "messaging"] + (["marketing"] if self.marketing else [])
            track(
                "Consent Updated",
                {
                    "categories_granted": sorted(granted),
                    "categories_denied": [] if self.marketing else ["marketing"],
                },
            )
            signed_up = True
        elif signed_up and dev.login_ts is None:
            step()
            login()
        if self.first_platform is None and not self.is_user:
            self.first_platform = dev.source
        if (
            self.opt_out_target is not None
            and self.opted_out_at is None
            and start >= self.opt_out_target
            and signed_up
        ):
            step()
            track(
                "Consent Updated",
                {
                    "categories_granted": ["messaging"],
                    "categories_denied": ["analytics", "marketing"],
                },
            )
            self.opted_out_at = t + lat

        def sync_emit(te: int, event: str, props: dict) -> None:
            nonlocal t
            t = max(t, te)
            track(event, props)

        # activity
        n_actions = 1 + _geometric(rng, 5.0 if signed_up else 2.0)
        edge_at = rng.randint(0, n_actions - 1) if rng.random() < 0.004 and signed_up else -1
        for a in range(n_actions):
            if a == edge_at:
                self.out.edge_gaps.append(
                    {
                        "person_key": self.person_key,
                        "anonymous_id": dev.anon,
                        "platform": dev.source,
                        "gap_from": iso(t + lat),
                        "gap_to": iso(t + EDGE_GAP_MS + lat),
                    }
                )
                t += EDGE_GAP_MS
            else:
                step()
            u = rng.random()
            if not signed_up:
                if u < 0.85:
                    if dev.source == "web":
                        view(*rng.choice(_WEB_PAGES))
                    else:
                        s = rng.choice(_SCREENS[:3])
                        view(s, s)
                else:
                    self._recommendations(track, mark, step, "home")
                continue
            if u < 0.42:
                if dev.source == "web":
                    path, title = rng.choice(_APP_PAGES)
                    view(path.replace("{pid}", str(rng.choice(self.account.project_ids))), title)
                else:
                    s = rng.choice(_SCREENS)
                    view(s, s)
            elif u < 0.75:
                fname = (
                    rng.choice(_UNICODE_FEATURES) if rng.random() < 0.02 else rng.choice(_FEATURES)
                )
                track("Feature Used", {"feature_name": fname}, F_COLLIDABLE)
                mark("feature_used")
            elif u < 0.9:
                clicks = self._recommendations(
                    track, mark, step, rng.choice(("home", "product", "cart"))
                )
                for request_id, surface, mv, r, it in clicks:
                    step(1_500, 6_000)
                    track(
                        "Recommendation Clicked",
                        {
                            "request_id": request_id,
                            "item_id": it,
                            "rank": r,
                            "surface": surface,
                            "model_version": mv,
                        },
                    )
                    self.out.counts[f"recommendations.clicked.{mv}"] += 1
            elif dev.mobile:
                conn = "cellular" if base["network"]["cellular"] else "wifi"
                props = self._sync_props(
                    rng.choice(("app_open", "manual")),
                    False,
                    conn,
                    round(rng.random(), 2),
                    rng.random() < 0.2,
                )
                self._sync_events(props, t, sync_emit)
            else:
                view(*rng.choice(_WEB_PAGES))
        # checkout
        if signed_up and rng.random() < 0.3:
            step()
            if dev.source == "web":
                view("/checkout", "Checkout")
            else:
                view("Checkout", "Checkout")
            step(500, 1_500)
            variant = self._exposure(track, mark, "exp_checkout_button")
            p = CHECKOUT_BASE_P * (CHECKOUT_TREATMENT_FACTOR if variant == "treatment" else 1.0)
            if rng.random() < p:
                step(5_000, 40_000)
                eur = rng.random() < (0.7 if self.w.tenant == "globex" else 0.05)
                currency = "EUR" if eur else "USD"
                revenue = round(rng.lognormvariate(_REVENUE_MU[self.plan_tier], 0.5), 2)
                track(
                    "Order Completed",
                    {
                        "order_id": f"ord_{rng.getrandbits(48):012x}",
                        "revenue": revenue,
                        "currency": currency,
                        "items_count": 1 + _geometric(rng, 0.8),
                    },
                )
                mark("order")
                self.orders.append((t + lat, currency, round(revenue * 100)))
        # delivery: online batches, offline batches hours later, or 3 days late
        end = t
        mode = rng.random()
        skew = dev.skew
        self.session_starts.append((start + lat, dev.source))
        for te, head, flags, ctx in evs:
            if dev.mobile and mode < 0.004:
                recv = ((te + lat) // DAY_MS + 3) * DAY_MS + rng.randint(HOUR_MS, 20 * HOUR_MS)
                self._emit(dev.src, ctx, te, head, recv - lat - te, lat, skew, flags, recv)
            elif dev.mobile and mode < 0.03:
                delay = end - te + rng.randint(HOUR_MS, 18 * HOUR_MS)
                self._emit(dev.src, ctx, te, head, delay, lat, skew, flags)
            else:
                self._emit(
                    dev.src, ctx, te, head, 5 + int(rng.expovariate(1 / 2500.0)), lat, skew, flags
                )
        return end

    def _identify(self, ev, ids, t: int) -> None:  # noqa: ANN001 - closures
        email = self.email
        if self.email_variant and self.emails_emitted and self.rng.random() < 0.6:
            email = self.email_variant
        if email not in self.emails_emitted:
            self.emails_emitted.append(email)
        traits = {
            "email": email,
            "name": self.name,
            "phone": self.phone,
            "plan": self.plan_tier,
            "created_at": iso(self.signed_up_at or t),
        }
        ev(self._head("identify", ids(), traits=traits))

    def _exposure(self, track, mark, experiment: str) -> str:  # noqa: ANN001
        variant = self.variant[experiment]
        track("Experiment Exposure", {"experiment_id": experiment, "variant_id": variant})
        mark(f"exposure:{experiment}")
        return variant

    def _recommendations(self, track, mark, step, surface: str) -> list[tuple]:  # noqa: ANN001
        """Exposure + Recommendation Served; returns the clicks the click model draws."""
        rng = self.rng
        mv = self.variant["exp_rec_model"]
        self._exposure(track, mark, "exp_rec_model")
        step(200, 600)
        gen = self.np_rng
        if gen is None:
            gen = self.np_rng = np.random.default_rng(rng.getrandbits(64))
        cands = gen.choice(N_ITEMS, CANDIDATES_PER_REQUEST, replace=False)
        scores = self.attract_np[cands] + gen.normal(
            0.0, RANKING_NOISE_SD[mv], CANDIDATES_PER_REQUEST
        )
        order = np.argsort(-scores, kind="stable")[:10]
        top_items = cands[order].tolist()
        top_scores = np.clip(scores[order], 0.0, 1.0).round(4).tolist()
        items = []
        clicked = []
        request_id = f"rq_{rng.getrandbits(64):016x}"
        attract = self.attract
        for r, (k, s) in enumerate(zip(top_items, top_scores, strict=True), start=1):
            iid = _ITEM_IDS[k]
            items.append({"item_id": iid, "rank": r, "score": s})
            if rng.random() < _EXAMINE[r] * attract[k]:
                clicked.append((request_id, surface, mv, r, iid))
        feature = round(rng.lognormvariate(math.log(12.0), 0.4), 1)
        inference = round(rng.lognormvariate(math.log(25.0 if mv == "rec-v1" else 41.0), 0.35), 1)
        network = round(rng.lognormvariate(math.log(8.0), 0.5), 1)
        latency = round(feature + inference + network + rng.uniform(0.3, 3.0), 1)
        track(
            "Recommendation Served",
            {
                "request_id": request_id,
                "surface": surface,
                "model_version": mv,
                "items": items,
                "latency_ms": latency,
                "feature_ms": feature,
                "inference_ms": inference,
                "network_ms": network,
            },
        )
        self.out.counts[f"recommendations.served.{mv}"] += 1
        return clicked

    def _sync_props(
        self, trigger: str, background: bool, connectivity: str, battery: float, charging: bool
    ) -> dict:
        return {
            "sync_id": f"sync_{self.rng.getrandbits(64):016x}",
            "trigger": trigger,
            "connectivity": connectivity,
            "battery_level": battery,
            "is_charging": charging,
            "is_background": background,
            "retry_count": 0,
        }

    def _sync_outcome(self, props: dict) -> tuple[bool, str | None]:
        rng = self.rng
        if props["connectivity"] == "offline":
            return False, "offline"
        p = 0.03
        if props["connectivity"] == "cellular":
            p *= 3.0
        if props["battery_level"] < 0.2 and not props["is_charging"]:
            p *= 2.5
        if rng.random() < p:
            return False, rng.choice(("timeout", "server_error", "quota_exceeded", "battery_saver"))
        return True, None

    def _sync_events(self, base: dict, t: int, emit) -> int:  # noqa: ANN001
        """Started, Progress*, Completed|Failed(, Conflict Resolved); returns end time."""
        rng = self.rng
        emit(t, "Sync Started", dict(base))
        items = rng.randint(1, 400)
        size = items * rng.randint(200, 4000)
        ok, error = self._sync_outcome(base)
        conn = base["connectivity"]
        self.out.counts[f"syncs.started.{conn}"] += 1
        duration = 0
        n_prog = rng.randint(0, 2) if ok else rng.randint(0, 1)
        for k in range(n_prog):
            step = rng.randint(300, 4000)
            duration += step
            emit(
                t + duration,
                "Sync Progress",
                {
                    **base,
                    "items": items * (k + 1) // (n_prog + 1),
                    "bytes_transferred": size * (k + 1) // (n_prog + 1),
                },
            )
        duration += rng.randint(200, 5000)
        if ok:
            if rng.random() < 0.04:
                emit(
                    t + duration,
                    "Sync Conflict Resolved",
                    {
                        **base,
                        "items": rng.randint(1, 5),
                        "conflict_resolution": rng.choice(("server_wins", "client_wins", "merged")),
                    },
                )
                self.out.counts["syncs.conflicts"] += 1
                duration += rng.randint(50, 500)
            emit(
                t + duration,
                "Sync Completed",
                {**base, "items": items, "bytes_transferred": size, "duration_ms": duration},
            )
            self.out.counts[f"syncs.completed.{conn}"] += 1
        else:
            emit(
                t + duration,
                "Sync Failed",
                {
                    **base,
                    "items": 0,
                    "bytes_transferred": rng.randint(0, size // 2),
                    "duration_ms": duration,
                    "error_code": error,
                    "retry_count": rng.randint(0, 3),
                },
            )
            self.out.counts[f"syncs.failed.{conn}"] += 1
        return t + duration

    def _background_syncs(self, days: list[int]) -> None:
        rng, w = self.rng, self.w
        for dev in self.devices:
            if not dev.mobile or dev.shared:
                continue
            for di in days:
                if rng.random() >= 0.45:
                    continue
                t = w.midnights[di] + rng.randint(0, DAY_MS - HOUR_MS)
                if not (w.cfg.w0 <= t < w.cfg.w1):
                    continue
                u = rng.random()
                conn = "wifi" if u < 0.6 else "cellular" if u < 0.93 else "offline"
                charging = rng.random() < 0.4
                battery = round(rng.random() if not charging else rng.uniform(0.3, 1.0), 2)
                trig = "periodic" if rng.random() < 0.8 else "push"
                self.pending.append((t, "bg_sync", (dev, trig, conn, battery, charging)))

    # ---------------------------------------------------------------- marketing
    def _plan_emails(self, add) -> None:  # noqa: ANN001
        rng, w = self.rng, self.w
        unsubscribed = hard_bounced = False
        web = [d for d in self.devices if d.source == "web"]
        for cid, send in w.email_campaigns:
            if not self.marketing or unsubscribed or hard_bounced:
                break
            if send < self.signup_target + DAY_MS:
                continue
            if self.opt_out_target is not None and send >= self.opt_out_target:
                break
            t = send + rng.randint(0, 20 * MINUTE_MS)
            variant = rng.choice(("A", "B"))
            props = {
                "email_message_id": f"em_{rng.getrandbits(64):016x}",
                "campaign_id": cid,
                "subject_variant": variant,
            }
            self.pending.append((t, "Email Sent", props))
            self.out.counts["emails.sent"] += 1
            u = rng.random()
            if u < 0.03:
                hard = u < 0.01
                t += rng.randint(1_000, 120_000)
                self.pending.append(
                    (
                        t,
                        "Email Bounced",
                        {
                            **props,
                            "bounce_type": "hard" if hard else "soft",
                            "reason": "550 5.1.1 user unknown"
                            if hard
                            else "452 4.2.2 mailbox full",
                        },
                    )
                )
                self.out.counts[f"emails.bounced_{'hard' if hard else 'soft'}"] += 1
                hard_bounced = hard
                continue
            t += rng.randint(1_000, 60_000)
            self.pending.append((t, "Email Delivered", props))
            self.out.counts["emails.delivered"] += 1
            delivered = t
            if self.apple_mail:
                self.pending.append(
                    (
                        delivered + rng.randint(30_000, 600_000),
                        "Email Opened",
                        {**props, "is_machine_open": True},
                    )
                )
                self.out.counts["emails.opened_machine"] += 1
            if rng.random() < 0.25:
                t = delivered + int(rng.expovariate(1 / (3 * HOUR_MS))) + 60_000
                self.pending.append((t, "Email Opened", {**props, "is_machine_open": False}))
                self.out.counts["emails.opened_human"] += 1
                if rng.random() < 0.3:
                    t += rng.randint(5_000, 120_000)
                    url = (
                        f"https://{w.tenant}.example.com/pricing?utm_source=newsletter"
                        f"&utm_medium=email&utm_campaign={cid}&utm_content={variant}"
                    )
                    self.pending.append((t, "Email Link Clicked", {**props, "link_url": url}))
                    self.out.counts["emails.clicked"] += 1
                    if web:
                        campaign = {
                            "source": "newsletter",
                            "medium": "email",
                            "name": cid,
                            "term": "",
                            "content": variant,
                        }
                        add(t + rng.randint(2_000, 15_000), "email", web[0], {"campaign": campaign})
                    if rng.random() < 0.05:
                        self.pending.append(
                            (
                                t + rng.randint(60_000, 300_000),
                                "Email Form Submitted",
                                {**props, "form_id": "demo_request"},
                            )
                        )
                        self.out.counts["emails.forms"] += 1
            u = rng.random()
            if u < 0.006:
                self.pending.append(
                    (delivered + rng.randint(HOUR_MS, 30 * HOUR_MS), "Email Unsubscribed", props)
                )
                self.out.counts["emails.unsubscribed"] += 1
                unsubscribed = True
            elif u < 0.008:
                self.pending.append(
                    (delivered + rng.randint(HOUR_MS, 30 * HOUR_MS), "Email Spam Reported", props)
                )
                self.out.counts["emails.spam_reported"] += 1
                unsubscribed = True

    def _plan_pushes(self, add) -> None:  # noqa: ANN001
        rng, w = self.rng, self.w
        mobiles = [d for d in self.devices if d.mobile and not d.shared]
        if not mobiles:
            return
        dev = mobiles[0]
        for cid, send, channel in w.push_campaigns:
            if send < self.signup_target + DAY_MS:
                continue
            if self.opt_out_target is not None and send >= self.opt_out_target:
                break
            t = send + rng.randint(0, 5 * MINUTE_MS)
            nid = f"ntf_{rng.getrandbits(64):016x}"
            delivered = None
            for attempt in (1, 2, 3):
                props = {
                    "notification_id": nid,
                    "campaign_id": cid,
                    "channel": channel,
                    "attempt": attempt,
                }
                self.pending.append((t, "Notification Sent", props))
                self.out.counts["notifications.sent"] += 1
                if rng.random() < 0.08:
                    reason = rng.choice(
                        (
                            "token_expired",
                            "device_unregistered",
                            "rate_limited",
                            "provider_error",
                            "invalid_payload",
                        )
                    )
                    retry = reason in ("rate_limited", "provider_error") and attempt < 3
                    t += rng.randint(200, 5_000)
                    fail = {**props, "failure_reason": reason}
                    if not retry:
                        fail["fallback_channel"] = "email" if channel == "push" else "none"
                    self.pending.append((t, "Notification Failed", fail))
                    self.out.counts["notifications.failed"] += 1
                    if not retry:
                        break
                    t += rng.randint(60_000, 300_000)
                    continue
                t += rng.randint(200, 5_000)
                self.pending.append((t, "Notification Delivered", props))
                self.out.counts["notifications.delivered"] += 1
                delivered = (t, props)
                break
            if delivered is None:
                continue
            t, props = delivered
            t += rng.randint(1_000, 10_000)
            self.pending.append((t, "push_display", (dev, props)))
            u = rng.random()
            if u < 0.2:
                open_at = t + 5_000 + int(rng.expovariate(1 / (20 * MINUTE_MS)))
                add(open_at, "push", dev, {"props": props, "open": open_at, "dev": dev})
            elif u < 0.65:
                self.pending.append(
                    (t + rng.randint(3_000, 300_000), "push_dismiss", {"props": props, "dev": dev})
                )

    # ---------------------------------------------------------------- backend
    def _group_calls(self) -> None:
        if self.signed_up_at is None:
            return
        a = self.account
        t = max(self.w.cfg.w0 + self.rng.randint(0, 6 * HOUR_MS), self.signed_up_at + 2_000)
        if t >= self.w.cfg.w1:
            return
        self.pending.append(
            (t, "group", {"name": a.name, "plan_tier": a.plan_tier, "employees": a.employees})
        )

    def _api(self) -> None:
        rng, w, a = self.rng, self.w, self.account
        cfg = w.cfg
        if self.signed_up_at is None:
            return
        if a.key_before_window:
            key_at = None
            first_req = cfg.w0
        elif a.creates_key and self.session_starts:
            t0 = max(self.signed_up_at, cfg.w0) + rng.randint(0, 10 * DAY_MS)
            later = [s for s, _ in self.session_starts if s >= t0] or [self.session_starts[-1][0]]
            key_at = later[0] + rng.randint(30_000, 20 * MINUTE_MS)
            if key_at >= cfg.w1:
                return
            self.pending.append(
                (
                    key_at,
                    "API Key Created",
                    {"api_key_id": a.api_key_id, "account_id": a.account_id},
                )
            )
            self.out.counts["api.keys_created"] += 1
            first_req = key_at + rng.randint(10 * MINUTE_MS, 3 * DAY_MS)
        else:
            return
        burst_lo, burst_hi = w.burst
        tier_shift = _TIER_LATENCY[a.plan_tier]
        users_pool = [stable_hex(cfg.seed, w.tenant, a.index, k, n=8) for k in range(12)]
        for di in w.window_day_indices():
            day0 = w.midnights[di]
            day1 = w.midnights[di + 1]
            lam = a.daily_requests * (0.35 if w.local_weekday(di) >= 5 else 1.0)
            n = _poisson(rng, lam)
            if n == 0:
                continue
            times = sorted(day0 + int(rng.betavariate(2.2, 2.0) * (day1 - day0)) for _ in range(n))
            for t in times:
                if t < first_req or t < cfg.w0 or t >= cfg.w1:
                    continue
                method, tmpl, version, mu, sigma, _ = rng.choices(
                    _API_ENDPOINTS, cum_weights=_API_CUM_WEIGHTS
                )[0]
                path = (
                    tmpl.replace("{pid}", str(rng.choice(a.project_ids)))
                    .replace("{uid}", rng.choice(users_pool))
                    .replace("{fid}", str(rng.randint(1, 40)))
                )
                key = a.api_key_id
                u = rng.random()
                if burst_lo <= t < burst_hi and rng.random() < 0.5:
                    status = rng.choice((500, 502, 503, 503))
                elif u < 0.015:
                    status = rng.choice((401, 403))
                    key = f"key_{rng.getrandbits(64):016x}"
                elif u < 0.03:
                    status = rng.choice((404, 422, 429))
                else:
                    status = 201 if method == "POST" else 204 if method == "DELETE" else 200
                latency = round(rng.lognormvariate(mu + tier_shift, sigma), 1)
                self.pending.append(
                    (
                        t,
                        "API Request",
                        {
                            "request_id": f"req_{rng.getrandbits(64):016x}",
                            "endpoint": path,
                            "method": method,
                            "status_code": status,
                            "latency_ms": latency,
                            "api_version": "2024-06-01" if version == "v1" else "2025-09-15",
                            "api_key_id": key,
                            "integration_type": a.integration_type,
                            "account_id": a.account_id,
                        },
                    )
                )
                self.out.counts["api.requests"] += 1
                self.out.counts[f"api.status_{status // 100}xx"] += 1

    def _flush_pending(self) -> None:
        rng = self.rng
        backend_ctx = self._backend_ctx()
        self.pending.sort(key=lambda p: p[0])
        for t, kind, spec in self.pending:
            if kind == "bg_sync":
                dev, trig, conn, battery, charging = spec
                ctx = dumps(
                    {
                        **dev.ctx,
                        "network": {
                            "wifi": conn == "wifi",
                            "cellular": conn == "cellular",
                            "carrier": _CARRIERS[0],
                        },
                    }
                )
                base = self._sync_props(trig, True, conn, battery, charging)
                lat = rng.randint(20, 600)

                def emit(te: int, event: str, props: dict, dev=dev, ctx=ctx, lat=lat) -> None:
                    head = self._head("track", self._ids(dev, te), event=event, properties=props)
                    delay = 5 + int(rng.expovariate(1 / 2000.0))
                    if props["connectivity"] == "offline":
                        delay += rng.randint(HOUR_MS, 8 * HOUR_MS)
                    self._emit(dev.src, ctx, te, head, delay, lat, dev.skew)

                self._sync_events(base, t, emit)
            elif kind in ("push_display", "push_dismiss"):
                if kind == "push_display":
                    dev, props = spec
                    event = "Notification Displayed"
                    self.out.counts["notifications.displayed"] += 1
                else:
                    dev, props = spec["dev"], spec["props"]
                    event = "Notification Dismissed"
                    self.out.counts["notifications.dismissed"] += 1
                ctx = dumps(dev.ctx)
                head = self._head(
                    "track",
                    self._ids(dev, t),
                    event=event,
                    properties={**props, "is_background": True},
                )
                self._emit(
                    dev.src, ctx, t, head, 5 + rng.randint(0, 3000), rng.randint(20, 500), dev.skew
                )
            elif kind == "group":
                head = self._head(
                    "group", self._ids(None, t), groupId=self.account.account_id, traits=spec
                )
                self._emit(3, backend_ctx, t, head, rng.randint(50, 5_000), rng.randint(5, 80))
            else:
                head = self._head("track", self._ids(None, t), event=kind, properties=spec)
                ts = self._emit(3, backend_ctx, t, head, rng.randint(50, 5_000), rng.randint(5, 80))
                if kind == "API Key Created":
                    self.marks.append((ts, "api_key_created"))
                elif (
                    kind == "API Request"
                    and spec["status_code"] < 400
                    and spec["api_key_id"] == self.account.api_key_id
                ):
                    self.marks.append((ts, "api_ok"))

    def _consent_on_file(self) -> None:
        """The consent an existing user gave before the window, synced by the backend.

        Existing users signed up (and chose their consent categories) before the window, so
        none of their in-window sessions carries a Consent Updated. The customer's consent
        platform re-sends the state on file at the start of the window, a second after local
        midnight: before any campaign send of the window. Emitted last, from its own random
        stream, so nothing else of the person changes.
        """
        rng = make_rng(self.w.cfg.seed, self.w.tenant, "p", self.i, "consent")
        t = self.w.cfg.w0 + 1_000
        granted = ["analytics", "messaging"] + (["marketing"] if self.marketing else [])
        head = {
            "type": "track",
            "messageId": new_uuid(rng),
            **self._ids(None, t),
            "event": "Consent Updated",
            "properties": {
                "categories_granted": sorted(granted),
                "categories_denied": [] if self.marketing else ["marketing"],
            },
        }
        self._emit(3, self._backend_ctx(), t, head, rng.randint(50, 5_000), rng.randint(5, 80))

    def _backend_ctx(self) -> str:
        """The context of the tenant's backend (analytics-node) events."""
        return dumps(
            {"library": {"name": "analytics-node", "version": "2.1.2"}, "groupId": self.w.tenant}
        )

    # ---------------------------------------------------------------- truth
    def _truth(self) -> None:
        w, out = self.w, self.out
        opt = self.opted_out_at
        mine = out.records[self.records_from :]
        for start, platform in self.session_starts:
            key = (platform, w.local_date(start))
            out.sessions[key] += 1
            if opt is not None and start > opt:
                out.sessions_after_opt_out[key] += 1
        after = 0
        if opt is not None:
            # What ingest drops (consent_suppressed) and the marts leave out: every message
            # of the person after the opt-out, by event name (track) or type.
            for r in mine:
                if r[2] <= opt:
                    continue
                after += 1
                message = json.loads(r[3])
                name = message.get("event") or message["type"]
                out.counts[f"after_opt_out.{name}"] += 1
                if name in ("Recommendation Served", "Recommendation Clicked"):
                    version = message["properties"]["model_version"]
                    out.counts[f"after_opt_out.{name}.{version}"] += 1
                elif name in _SYNC_COUNTED:
                    key = _SYNC_COUNTED[name]
                    if key != "conflicts":
                        key += "." + message["properties"]["connectivity"]
                    out.counts[f"after_opt_out_syncs.{key}"] += 1
        # what the pipeline keeps: nothing of an opted-out person after the opt-out
        marks = sorted(m for m in self.marks if opt is None or m[0] <= opt)
        for ts, currency, cents in self.orders:
            out.counts["orders.all"] += 1
            out.counts[f"orders.{currency}"] += 1
            out.revenue[currency] += cents
            if opt is not None and ts > opt:
                out.counts["orders.after_opt_out"] += 1
                out.revenue[f"after_opt_out.{currency}"] += cents
        if opt is not None:
            out.counts["persons.opted_out"] += 1
        self._funnels(marks)
        self._experiments(marks)
        out.persons.append(
            {
                "person_key": self.person_key,
                "user_id": self.user_id,
                "previous_ids": [self.legacy_id] if self.legacy_id else [],
                "anonymous_ids": [d.anon for d in self.devices],
                "device_ids": [d.device_id for d in self.devices if d.device_id],
                "emails": list(self.emails_emitted),
                "signed_up_at": iso(self.signed_up_at) if self.signed_up_at is not None else None,
                "first_platform": self.first_platform,
                "plan_tier": self.plan_tier,
                "account_id": self.account.account_id if self.is_user else None,
                "category": self.category,
                "opted_out_at": iso(opt) if opt is not None else None,
                "marketing_consent": self.is_user and self.marketing,
                "events_after_opt_out": after,
                "clock_skew_ms": [d.skew for d in self.devices if d.skew],
            }
        )

    def _funnels(self, marks: list[tuple[int, str]]) -> None:
        out = self.out
        # signup_to_order
        visits = [t for t, m in marks if m == "visit"]
        if visits:
            v0 = visits[0]
            limit = v0 + 14 * DAY_MS
            out.funnels[("signup_to_order", 0)] += 1
            t1 = next((t for t, m in marks if m == "signed_up" and v0 <= t <= limit), None)
            if t1 is not None:
                out.funnels[("signup_to_order", 1)] += 1
                t2 = next((t for t, m in marks if m == "feature_used" and t1 <= t <= limit), None)
                if t2 is not None:
                    out.funnels[("signup_to_order", 2)] += 1
                    if any(m == "order" and t2 <= t <= limit for t, m in marks):
                        out.funnels[("signup_to_order", 3)] += 1
        # notification_to_conversion
        opens = [t for t, m in marks if m == "notification_opened"]
        if opens:
            out.funnels[("notification_to_conversion", 0)] += 1
            opt = self.opted_out_at
            starts = [s for s, _ in self.session_starts if opt is None or s <= opt]
            ok = [o for o in opens if any(o <= s <= o + HOUR_MS for s in starts)]
            if ok:
                out.funnels[("notification_to_conversion", 1)] += 1
                orders = [t for t, m in marks if m == "order"]
                if any(o < t <= o + DAY_MS for o in ok for t in orders):
                    out.funnels[("notification_to_conversion", 2)] += 1
        # api_activation
        keys = [t for t, m in marks if m == "api_key_created"]
        if keys:
            k0 = keys[0]
            out.funnels[("api_activation", 0)] += 1
            oks = [t for t, m in marks if m == "api_ok" and t >= k0]
            if oks:
                out.funnels[("api_activation", 1)] += 1
                week0 = _iso_week(oks[0])
                if any(_iso_week(t) > week0 for t in oks):
                    out.funnels[("api_activation", 2)] += 1

    def _experiments(self, marks: list[tuple[int, str]]) -> None:
        out = self.out
        for t, m in marks:
            if m.startswith("exposure:"):
                exp = m.split(":", 1)[1]
                if exp not in self.first_exposure:
                    self.first_exposure[exp] = t
                    out.exp_assigned[(exp, self.variant[exp])] += 1
        for exp, t0 in self.first_exposure.items():
            if any(m == "order" and t >= t0 for t, m in marks):
                out.exp_converted[(exp, self.variant[exp])] += 1


# Sync events as the truth's `syncs` counters count them (started/completed/failed per
# connectivity, conflicts).
_SYNC_COUNTED = {
    "Sync Started": "started",
    "Sync Completed": "completed",
    "Sync Failed": "failed",
    "Sync Conflict Resolved": "conflicts",
}


def _iso_week(ms: int) -> int:
    """Monday-based UTC week number since the epoch (1970-01-01 was a Thursday)."""
    return (ms // DAY_MS + 3) // 7


def simulate_bots(w: TenantWorld, out: ChunkOut) -> None:
    """Web crawlers: many page views in quick bursts; not persons."""
    cfg = w.cfg
    n = max(1, w.persons // 400)
    for b in range(n):
        rng = make_rng(cfg.seed, w.tenant, "bot", b)
        anon = new_uuid(rng)
        out.bots.append(anon)
        ua = rng.choice(_BOT_UAS)
        ctx = {
            "library": {"name": "analytics.js", "version": "4.15.3"},
            "userAgent": ua,
            "locale": "en-US",
            "timezone": "UTC",
            "ip": f"66.249.{rng.randint(64, 95)}.{rng.randint(1, 254)}",
        }
        prefix = dumps(ctx)[:-1]
        days = list(w.window_day_indices())
        for _ in range(rng.randint(1, 3)):
            di = rng.choice(days)
            t = w.midnights[di] + rng.randint(0, DAY_MS - 4 * HOUR_MS)
            if not (cfg.w0 <= t < cfg.w1):
                continue
            out.bot_sessions[w.local_date(t)] += 1
            lat = rng.randint(5, 60)
            ref = ""
            for _ in range(rng.randint(40, 200)):
                path = rng.choice(
                    (
                        "/",
                        "/pricing",
                        "/features",
                        "/blog/sessionization",
                        "/docs/getting-started",
                        f"/blog/{rng.randint(1, 999)}",
                        "/robots.txt",
                        "/sitemap.xml",
                    )
                )
                url = f"https://{w.tenant}.example.com{path}"
                page = {"url": url, "path": path, "referrer": ref, "title": path}
                ctx_json = f'{prefix},"page":{dumps(page)}}}'
                head = {
                    "type": "page",
                    "messageId": new_uuid(rng),
                    "anonymousId": anon,
                    "name": path,
                    "properties": page,
                }
                recv = t + rng.randint(5, 900) + lat
                line = finish_line(head, ctx_json, t + lat, t, recv - lat, recv)
                out.records.append((recv, 0, t + lat, line, F_BOT))
                ref = url
                t += rng.randint(300, 4_000)
