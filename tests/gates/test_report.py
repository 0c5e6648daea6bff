"""`signalhouse report`: one self-contained HTML file whose every chart renders in Chromium."""

from __future__ import annotations

import json
import re
import subprocess

import pytest

from signalhouse.report import render_report, write_report

EXTRA_ROWS = [
    # The clean sample quarantines nothing: one rejected line for the quarantine chart.
    """insert into raw.quarantine values ('acme', 'not_json', null, '{"type": tr', 11, false,
        null, 'web/2026-10-12.jsonl.gz', 7, 'sha', 'load', now())""",
]
CHARTS = [
    "quarantine_by_reason",
    "sessions_per_day",
    "funnel_acme_signup_to_order",
    "funnel_globex_api_activation",
    "retention_heatmap_acme",
    "retention_heatmap_globex",
    "attribution_by_channel",
    "experiment_intervals",
    "api_latency_percentiles",
    "rpt_notification_funnel",
    "rpt_email_campaigns",
]

# Appended to a copy of the report only in this test (the report itself has no script):
# Chromium lays the page out, then each chart's drawn size and its marks' sizes are written
# into the DOM that --dump-dom prints.
PROBE = """<script>
const out = {};
for (const figure of document.querySelectorAll('figure.chart')) {
  const svg = figure.querySelector('svg');
  const box = svg ? svg.getBoundingClientRect() : {width: 0, height: 0};
  const marks = svg ? [...svg.querySelectorAll('.mark')] : [];
  const drawn = marks.filter(m => { const b = m.getBBox(); return b.width > 0 || b.height > 0; });
  out[figure.dataset.chart] = {width: box.width, height: box.height,
                               marks: marks.length, drawn: drawn.length};
}
const pre = document.createElement('pre');
pre.id = 'probe';
pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
</script>"""


@pytest.fixture
def full_warehouse(damaged):
    db, damage = damaged
    damage(*EXTRA_ROWS)
    return db


def rendered_charts(chromium: str, html_path, tmp_path) -> dict:
    probe = tmp_path / "probe.html"
    probe.write_text(html_path.read_text().replace("</body>", PROBE + "</body>"))
    result = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            "--dump-dom",
            probe.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    match = re.search(r'<pre id="probe">(.*?)</pre>', result.stdout, re.S)
    assert match, f"chromium printed no probe: {result.stderr[-1000:]}"
    return json.loads(match.group(1).replace("&quot;", '"'))


def test_every_chart_renders_in_headless_chromium(full_warehouse, chromium, tmp_path):
    out = write_report(full_warehouse, tmp_path / "report.html")
    charts = rendered_charts(chromium, out, tmp_path)
    assert set(CHARTS) <= set(charts)
    for name, chart in charts.items():
        assert chart["width"] > 100 and chart["height"] > 20, (name, chart)
        assert chart["marks"] > 0 and chart["drawn"] == chart["marks"], (name, chart)


def test_the_report_needs_no_network(full_warehouse):
    html = render_report(full_warehouse)
    errors = re.findall(r'panel-error">([^<]*)', html)
    assert not errors, errors
    assert "<script" not in html
    assert not re.search(r"""(src|href)=["']?https?:""", html)
    assert "@import" not in html and "url(" not in html


def test_panels_of_marts_not_built_say_so(damaged):
    db, damage = damaged
    damage("drop table marts.rpt_funnel_steps")
    html = render_report(db)
    assert 'data-skipped="funnels"' in html
    assert "skipped: mart not built (marts.rpt_funnel_steps)" in html
    assert 'data-chart="sessions_per_day"' in html
    assert 'id="verdict"' in html and "No gated nightly run" in html


def test_the_report_says_whether_last_nights_numbers_can_be_trusted(nightly_runs):
    good = render_report(nightly_runs.db, nightly_runs.second.manifest)
    assert "numbers can be trusted" in good
    failed = render_report(nightly_runs.db, nightly_runs.empty.manifest)
    assert "failed its gates and was not published" in failed
    assert nightly_runs.second.run_id in failed  # the numbers shown are the last good run's
    assert "raw.batch" in failed


def test_the_report_command_writes_beside_the_warehouse(nightly_runs, tmp_path, capsys):
    from signalhouse.cli import main

    out = tmp_path / "r.html"
    assert main(["report", "--db", str(nightly_runs.db), "--out", str(out)]) == 0
    html = out.read_text()
    assert html.startswith("<!DOCTYPE html>")
    assert str(out) in capsys.readouterr().err
    # The latest run beside the warehouse was the empty night: the verdict says so.
    assert f"{nightly_runs.empty.run_id} failed its gates" in html
