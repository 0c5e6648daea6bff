"""The persons in truth.json are exactly the people whose identifiers appear in the files."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from sim_testlib import classify, read_lines

PLACEHOLDERS = {"null", "undefined", "0", "", "anonymous"}


def _identifiers(out: Path, truth: dict) -> dict[str, dict[str, set[str]]]:
    found: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for rel, f in truth["files"].items():
        lines, _ = read_lines(out / rel)
        for raw in lines:
            kind, obj = classify(raw)
            if kind != "valid":
                continue
            ids = found[f["tenant"]]
            for key in ("anonymousId", "userId", "previousId"):
                value = obj.get(key)
                if value is not None and value not in PLACEHOLDERS:
                    ids["id"].add(value)
            device = obj["context"].get("device")
            if device:
                ids["device"].add(device["id"])
            if obj["type"] == "identify":
                ids["email"].add(obj["traits"]["email"])
    return found


def _check(out: Path, truth: dict, exact: bool) -> None:
    found = _identifiers(out, truth)
    for tenant, t in truth["tenants"].items():
        owner: dict[str, set[str]] = defaultdict(set)
        for p in t["persons"]:
            for i in [p["user_id"], *p["previous_ids"], *p["anonymous_ids"]]:
                if i:
                    owner[i].add(p["person_key"])
        bots = set(t["bot_anonymous_ids"])
        ids = found[tenant]["id"]
        assert ids - bots <= set(owner), "identifiers in files that belong to nobody"
        seen = {k for i in ids if i in owner for k in owner[i]}
        keys = {p["person_key"] for p in t["persons"]}
        if exact:
            assert seen == keys
        else:
            assert len(seen) >= 0.97 * len(keys)
        shared = {s["anonymous_id"]: set(s["person_keys"]) for s in t["shared_anonymous_ids"]}
        multi = {i: k for i, k in owner.items() if len(k) > 1}
        assert multi == shared
        emails = {e for p in t["persons"] for e in p["emails"]}
        assert found[tenant]["email"] <= emails
        if exact:
            assert found[tenant]["email"] == emails
        devices = {d for p in t["persons"] for d in p["device_ids"]}
        assert found[tenant]["device"] <= devices


def test_persons_match_identifiers_clean(clean_run: tuple[Path, dict]) -> None:
    _check(*clean_run, exact=True)


def test_persons_match_identifiers_default(default_run: tuple[Path, dict]) -> None:
    _check(*default_run, exact=False)


def test_person_records_are_complete(default_run: tuple[Path, dict]) -> None:
    _, truth = default_run
    for t in truth["tenants"].values():
        for p in t["persons"]:
            assert p["anonymous_ids"], p["person_key"]
            if p["user_id"] is None:
                assert p["category"] == "anonymous" and p["signed_up_at"] is None
            else:
                assert p["signed_up_at"] and p["plan_tier"] in ("free", "pro", "enterprise")
