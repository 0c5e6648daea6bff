"""Every line of every file, classified independently, reconciles with truth.json."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import jsonschema
import pytest
from sim_testlib import classify, read_lines

REPO = Path(__file__).resolve().parents[2]


def _scan(out: Path, truth: dict) -> dict:
    per_file = {}
    valid_ids: dict[str, set[str]] = {t: set() for t in truth["tenants"]}
    samples: list[dict] = []
    rng = random.Random(0)
    for rel, f in sorted(truth["files"].items()):
        lines, partial = read_lines(out / rel)
        kinds: Counter = Counter()
        for raw in lines:
            kind, obj = classify(raw)
            kinds[kind] += 1
            if obj is not None:
                valid_ids[f["tenant"]].add(obj["messageId"])
                if rng.random() < 0.05:
                    samples.append(obj)
        per_file[rel] = (len(lines), kinds, partial)
    return {"files": per_file, "ids": valid_ids, "samples": samples}


@pytest.fixture(scope="module")
def scanned(default_run: tuple[Path, dict]) -> dict:
    return _scan(*default_run)


def test_every_file_reconciles(default_run: tuple[Path, dict], scanned: dict) -> None:
    _, truth = default_run
    for rel, f in truth["files"].items():
        n_lines, kinds, partial = scanned["files"][rel]
        assert (
            f["lines_written"] == f["valid_lines"] + sum(f["defects"].values()) + f["blank_lines"]
        ), rel
        defects = {k: v for k, v in kinds.items() if k not in ("valid", "blank")}
        if f["truncated_archive"]:
            assert n_lines == f["lines_intact"] < f["lines_written"]
            assert bool(partial) == f["partial_line"]
            assert kinds["valid"] == f["valid_lines_intact"]
            assert kinds["blank"] == f["blank_lines_intact"]
            assert defects == f["defects_intact"], rel
        else:
            assert n_lines == f["lines_written"], rel
            assert kinds["valid"] == f["valid_lines"], rel
            assert kinds["blank"] == f["blank_lines"], rel
            assert defects == f["defects"], rel
            assert f["lines_intact"] == f["lines_written"] and not f["partial_line"]


def test_each_kind_is_present(default_run: tuple[Path, dict]) -> None:
    _, truth = default_run
    kinds = set(truth["totals"]["defects"])
    assert kinds == set(truth_kinds())
    assert truth["totals"]["defects"]["oversized"] == 1
    assert sum(f["truncated_archive"] for f in truth["files"].values()) == 1
    for odd in (
        "duplicate_same_file",
        "duplicate_other_file",
        "duplicate_days_later",
        "collision",
        "placeholder_id",
        "bot",
        "unicode",
        "late_delivery",
    ):
        assert truth["totals"]["odd"].get(odd, 0) > 0, odd
    assert truth["totals"]["blank_lines"] > 0


def truth_kinds() -> list[str]:
    from signalhouse.simulator.defects import INVALID_KINDS

    return list(INVALID_KINDS)


def test_distinct_valid_messages(default_run: tuple[Path, dict], scanned: dict) -> None:
    _, truth = default_run
    for tenant, ids in scanned["ids"].items():
        assert len(ids) == truth["messages"][tenant]["distinct_valid_messages_intact"]
        lost = truth["truncated_archive"]["lost"]["distinct_messages_by_tenant"].get(tenant, 0)
        assert len(ids) + lost == truth["messages"][tenant]["distinct_valid_messages"]


def test_odd_counts_match(default_run: tuple[Path, dict]) -> None:
    """Late deliveries and unicode are recounted from the lines themselves."""
    out, truth = default_run
    for rel, f in truth["files"].items():
        if f["truncated_archive"]:
            continue
        lines, _ = read_lines(out / rel)
        late = unicode = 0
        for raw in lines:
            kind, obj = classify(raw)
            if kind != "valid":
                continue
            late += obj["timestamp"][:10] < f["date"]
            unicode += not raw.isascii()
        assert late == f["odd"].get("late_delivery", 0), rel
        assert unicode == f["odd"].get("unicode", 0), rel


def test_clean_run_has_no_defects(clean_run: tuple[Path, dict]) -> None:
    out, truth = clean_run
    scanned = _scan(out, truth)
    assert truth["totals"]["defects"] == {}
    assert truth["totals"]["blank_lines"] == 0
    assert truth["truncated_archive"] is None and truth["oversized"] is None
    assert set(truth["totals"]["odd"]) <= {"late_delivery", "unicode"}
    for _, kinds, partial in scanned["files"].values():
        assert set(kinds) == {"valid"} and partial == b""
    for tenant, ids in scanned["ids"].items():
        assert len(ids) == truth["messages"][tenant]["distinct_valid_messages"]


def test_semantic_truth_is_the_same_without_defects(
    default_run: tuple[Path, dict], clean_run: tuple[Path, dict]
) -> None:
    """Defects accompany valid lines; they never change what happened."""
    a, b = default_run[1], clean_run[1]
    for key in ("conversions", "funnels", "experiments", "emails", "notifications", "syncs", "api"):
        assert a[key] == b[key], key
    assert a["sessions"]["by_tenant"] == b["sessions"]["by_tenant"]


def _validators() -> tuple[jsonschema.Draft202012Validator, dict]:
    root = REPO / "contract" / "events"
    catalogue = json.loads((root / "catalogue.json").read_text())
    by_key = {}
    for e in catalogue["events"]:
        schema = json.loads((REPO / e["schema_path"]).read_text())
        jsonschema.Draft202012Validator.check_schema(schema)
        by_key[e["event"] or e["type"]] = jsonschema.Draft202012Validator(schema)
    envelope = json.loads((root / "envelope" / "v1.json").read_text())
    jsonschema.Draft202012Validator.check_schema(envelope)
    return jsonschema.Draft202012Validator(envelope), by_key


def test_sample_validates_against_contract(scanned: dict) -> None:
    envelope, by_key = _validators()
    seen = set()
    for obj in scanned["samples"]:
        envelope.validate(obj)
        key = obj["event"] if obj["type"] == "track" else obj["type"]
        if key in by_key:
            by_key[key].validate(obj["properties"])
            seen.add(key)
        else:
            assert obj["type"] in ("identify", "alias", "group"), key
    assert {"page", "API Request", "Feature Used"} <= seen


def test_every_emitted_event_is_in_the_catalogue(scanned: dict) -> None:
    _, by_key = _validators()
    for obj in scanned["samples"]:
        if obj["type"] == "track":
            assert obj["event"] in by_key


def test_contract_files_are_current() -> None:
    from signalhouse.simulator.catalogue import contract_files, render

    root = REPO / "contract" / "events"
    for rel, doc in contract_files().items():
        assert (root / rel).read_text(encoding="utf-8") == render(doc), (
            f"{rel} is stale: run python -m signalhouse.simulator.catalogue"
        )
