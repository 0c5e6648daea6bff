"""`signalhouse report`: one static, self-contained HTML file (inline CSS and SVG, no network).

It reads the published warehouse read-only and opens with the verdict people look for: can
last night's numbers be trusted? Panels come from the registry in `panels.py`.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from html import escape
from pathlib import Path

from signalhouse.check import relations
from signalhouse.report.panels import PANELS, Panel, RenderContext
from signalhouse.warehouse import connect

CSS = """
body { font-family: system-ui, sans-serif; margin: 24px auto; max-width: 1000px; color: #222; }
h1 { font-size: 22px; } h2 { font-size: 18px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.verdict { padding: 12px 16px; border-radius: 6px; font-size: 15px; }
.verdict.ok { background: #e6f4ea; border: 1px solid #38a169; }
.verdict.failed { background: #fdecea; border: 1px solid #c53030; }
.verdict.unknown { background: #f4f4f4; border: 1px solid #999; }
table.data { border-collapse: collapse; margin: 8px 0 16px; font-size: 12px; }
table.data caption { text-align: left; font-weight: 600; padding: 4px 0; }
table.data th, table.data td { border: 1px solid #ddd; padding: 3px 6px; text-align: left; }
table.data td { font-variant-numeric: tabular-nums; }
figure.chart { margin: 8px 0 16px; } figcaption { font-size: 12px; color: #555; }
.note, .skipped { color: #666; font-size: 13px; }
"""


def _verdict(manifest: dict | None, last_published: tuple | None) -> str:
    if manifest and manifest.get("status") == "published":
        return (
            '<div class="verdict ok" id="verdict"><strong>Last night\'s numbers can be '
            f"trusted.</strong> Run {escape(manifest['run_id'])} passed every gate (dbt tests, "
            "source freshness, Great Expectations) and was published.</div>"
        )
    if manifest:
        shown = (
            f"run {escape(str(last_published[0]))} of {escape(str(last_published[1]))}"
            if last_published
            else "the last good run"
        )
        problems = "".join(f"<li>{escape(p)}</li>" for p in manifest.get("problems") or [])
        return (
            '<div class="verdict failed" id="verdict"><strong>Last night\'s run '
            f"{escape(manifest['run_id'])} failed its gates and was not published.</strong> "
            f"The numbers below are from {shown}.<ul>{problems}</ul></div>"
        )
    if last_published:
        return (
            f'<div class="verdict ok" id="verdict">Numbers from run '
            f"{escape(str(last_published[0]))} ({escape(str(last_published[1]))}), "
            "which passed every gate.</div>"
        )
    return (
        '<div class="verdict unknown" id="verdict">No gated nightly run is recorded for this '
        "warehouse: run `signalhouse nightly PATH` to check the numbers.</div>"
    )


def render_report(db_path: Path, latest: dict | None = None, panels: list[Panel] | None = None):
    """The report's HTML for the warehouse at `db_path`, opened read-only."""
    con = connect(db_path, read_only=True)
    try:
        present = relations(con)
        last_published, recorded = None, None
        if "audit.run_manifests" in present:
            row = con.execute(
                "select run_id, finished_at, manifest from audit.run_manifests "
                "where status = 'published' order by started_at desc limit 1"
            ).fetchone()
            if row:
                last_published = (row[0], row[1])
                recorded = json.loads(row[2])
        manifest = latest or recorded
        context = RenderContext(con, manifest)
        sections = []
        for panel in panels or PANELS:
            missing = [relation for relation in panel.relations if relation not in present]
            if missing:
                body = (
                    f'<p class="skipped" data-skipped="{escape(panel.name)}">skipped: mart not '
                    f"built ({escape(', '.join(missing))})</p>"
                )
            else:
                try:
                    body = panel.render(context)
                except Exception as exc:  # one broken panel must not hide the others
                    body = (
                        f'<p class="note panel-error">this panel could not be drawn: '
                        f"{escape(str(exc).splitlines()[0])}</p>"
                    )
            sections.append(
                f'<section class="panel" id="panel-{escape(panel.name)}"><h2>'
                f"{escape(panel.title)}</h2>{body}</section>"
            )
    finally:
        con.close()
    generated = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>Signalhouse report</title><style>{CSS}</style></head><body>"
        f'<h1>Signalhouse report</h1><p class="note">Warehouse {escape(str(db_path))}, '
        f"generated {generated}.</p>{_verdict(latest, last_published)}"
        + "".join(sections)
        + "</body></html>"
    )


def latest_manifest(db_path: Path) -> dict | None:
    """The newest nightly manifest beside the warehouse (runs/<run id>/manifest.json), if any.

    Run ids start with their UTC start time, so the greatest name is the latest run; a failed
    run is only recorded there (and in its failed copy), never in the published file.
    """
    manifests = sorted((db_path.parent / "runs").glob("*/manifest.json"))
    return json.loads(manifests[-1].read_text()) if manifests else None


def write_report(
    db_path: Path, out: Path, latest: dict | None = None, panels: list[Panel] | None = None
) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_report(db_path, latest, panels), encoding="utf-8")
    return out
