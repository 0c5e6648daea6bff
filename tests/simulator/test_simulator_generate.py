"""Determinism and file layout of the simulator."""

from __future__ import annotations

import gzip
from pathlib import Path

from sim_testlib import SMALL

from signalhouse.simulator import GenerateResult, generate


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_same_arguments_give_identical_bytes(tmp_path: Path) -> None:
    first = generate(tmp_path / "a", **SMALL)
    second = generate(tmp_path / "b", **SMALL, workers=2)
    a, b = _tree(tmp_path / "a"), _tree(tmp_path / "b")
    assert a.keys() == b.keys()
    for rel in a:
        assert a[rel] == b[rel], rel
    assert "truth.json" in a
    assert first.events == second.events > 0
    assert isinstance(first, GenerateResult)


def test_other_seed_differs(tmp_path: Path, default_run: tuple[Path, dict]) -> None:
    out, _ = default_run
    generate(tmp_path, **{**SMALL, "seed": 8})
    assert _tree(tmp_path)["truth.json"] != (out / "truth.json").read_bytes()


def test_layout_and_gzip_headers(default_run: tuple[Path, dict]) -> None:
    out, truth = default_run
    rels = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.jsonl.gz"))
    assert rels == sorted(truth["files"])
    assert {r.split("/")[0] for r in rels} == {"tenant=acme", "tenant=globex"}
    assert {r.split("/")[1] for r in rels} == {"web", "ios", "android", "backend"}
    for rel in rels:
        head = (out / rel).read_bytes()[:10]
        assert head[:3] == b"\x1f\x8b\x08"
        assert head[3] == 0  # no FNAME: empty file name
        assert head[4:8] == b"\x00\x00\x00\x00"  # mtime 0
    assert truth["tenants"]["acme"]["time_zone"] == "America/New_York"
    assert truth["tenants"]["globex"]["time_zone"] == "Europe/Berlin"
    acme, globex = (len(truth["tenants"][t]["persons"]) for t in ("acme", "globex"))
    assert (acme, globex) == (72, 48)


def test_intact_files_read_with_gzip(default_run: tuple[Path, dict]) -> None:
    out, truth = default_run
    for rel, f in truth["files"].items():
        if f["truncated_archive"]:
            continue
        data = gzip.decompress((out / rel).read_bytes())
        assert data.endswith(b"\n")
        assert data.count(b"\n") == f["lines_written"]
