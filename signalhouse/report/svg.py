"""Small inline-SVG charts: no JavaScript, no network, no plotting library.

Every chart is an `<svg class="chart-svg">` whose marks (bars, lines, cells, points) carry
class `mark` and a `<title>` with the exact value, so a reader hovering sees the number and a
test can count the marks.
"""

from __future__ import annotations

from html import escape

PALETTE = ["#2b6cb0", "#dd6b20", "#38a169", "#805ad5", "#d53f8c", "#319795", "#718096", "#b7791f"]
FONT = 'font-family="system-ui, sans-serif" font-size="11"'


def _fmt(value: float) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.3g}" if abs(value) < 1 else f"{value:,.1f}"
    return f"{int(value):,}"


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    magnitude = 10 ** (len(str(int(value))) - 1)
    for step in (1, 2, 2.5, 5, 10):
        if step * magnitude >= value:
            return step * magnitude
    return value


def _svg(width: int, height: int, body: list[str], label: str) -> str:
    return (
        f'<svg class="chart-svg" role="img" aria-label="{escape(label)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'xmlns="http://www.w3.org/2000/svg" {FONT}>' + "".join(body) + "</svg>"
    )


def _frame(series: dict[str, list[float]], width: int, height: int, bottom: int):
    """Plot area, y maximum and the x axis line with its two y labels, for vertical charts."""
    left, right, top = 50, 130, 10
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = _nice_max(max((v or 0) for values in series.values() for v in values) if series else 0)
    axis = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        'stroke="#999"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end">{_fmt(peak)}</text>',
        f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end">0</text>',
    ]
    return left, top, plot_w, plot_h, peak, axis


def _legend(names: list[str], x: int, y: int) -> list[str]:
    out = []
    for i, name in enumerate(names):
        color = PALETTE[i % len(PALETTE)]
        out.append(
            f'<rect x="{x}" y="{y + i * 16}" width="10" height="10" fill="{color}"/>'
            f'<text x="{x + 14}" y="{y + i * 16 + 9}">{escape(str(name))}</text>'
        )
    return out


def hbar_chart(rows: list[tuple[str, float]], label: str, width: int = 640) -> str:
    """Horizontal bars, one per (category, value): counts by reason, funnel steps."""
    left, bar, gap = 240, 18, 6
    height = max(1, len(rows)) * (bar + gap) + 10
    top = max((value or 0) for _, value in rows) if rows else 0
    scale = (width - left - 80) / (top or 1)
    body = []
    for i, (name, value) in enumerate(rows):
        y = 5 + i * (bar + gap)
        w = max(1.0, (value or 0) * scale)
        body.append(
            f'<text x="{left - 6}" y="{y + 13}" text-anchor="end">{escape(str(name))[:40]}</text>'
            f'<rect class="mark" x="{left}" y="{y}" width="{w:.1f}" height="{bar}" '
            f'fill="{PALETTE[0]}"><title>{escape(str(name))}: {_fmt(value)}</title></rect>'
            f'<text x="{left + w + 4:.1f}" y="{y + 13}">{_fmt(value)}</text>'
        )
    return _svg(width, height, body, label)


def line_chart(
    x_labels: list[str], series: dict[str, list[float]], label: str, width: int = 640
) -> str:
    """One line per series over shared x labels (days): sessions per day per tenant."""
    height = 240
    left, top, plot_w, plot_h, peak, body = _frame(series, width, height, bottom=30)
    n = max(1, len(x_labels) - 1)
    step = max(1, -(-len(x_labels) // 5))
    for i, name in enumerate(x_labels):
        if i % step == 0 or i == len(x_labels) - 1:
            x = left + plot_w * i / n
            body.append(
                f'<text x="{x:.1f}" y="{height - 10}" text-anchor="middle">{escape(name)}</text>'
            )
    for index, (name, values) in enumerate(series.items()):
        color = PALETTE[index % len(PALETTE)]
        points = [
            (left + plot_w * i / n, top + plot_h - plot_h * (v or 0) / peak)
            for i, v in enumerate(values)
        ]
        path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
        body.append(
            f'<polyline class="mark" points="{path}" fill="none" stroke="{color}" '
            f'stroke-width="2"><title>{escape(str(name))}</title></polyline>'
        )
        for (x, y), value, day in zip(points, values, x_labels, strict=True):
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="{color}">'
                f"<title>{escape(str(name))} {escape(day)}: {_fmt(value)}</title></circle>"
            )
    body += _legend(list(series), left + plot_w + 12, top)
    return _svg(width, height, body, label)


def grouped_bar_chart(
    categories: list[str], series: dict[str, list[float]], label: str, width: int = 640
) -> str:
    """Vertical bars grouped by category, one colour per series (attribution by model)."""
    height = 260
    left, top, plot_w, plot_h, peak, body = _frame(series, width, height, bottom=60)
    group_w = plot_w / max(1, len(categories))
    bar_w = max(2.0, (group_w - 6) / max(1, len(series)))
    for c, category in enumerate(categories):
        x0 = left + c * group_w + 3
        body.append(
            f'<text x="{x0 + group_w / 2:.1f}" y="{top + plot_h + 14}" text-anchor="middle">'
            f"{escape(str(category))[:14]}</text>"
        )
        for s, (name, values) in enumerate(series.items()):
            value = values[c] or 0
            h = max(1.0, plot_h * value / peak)
            body.append(
                f'<rect class="mark" x="{x0 + s * bar_w:.1f}" y="{top + plot_h - h:.1f}" '
                f'width="{bar_w - 1:.1f}" height="{h:.1f}" fill="{PALETTE[s % len(PALETTE)]}">'
                f"<title>{escape(str(category))} / {escape(str(name))}: "
                f"{_fmt(value)}</title></rect>"
            )
    body += _legend(list(series), left + plot_w + 12, top)
    return _svg(width, height, body, label)


def heatmap(
    rows: list[str], columns: list[str], values: dict[tuple[str, str], float], label: str
) -> str:
    """A rows x columns grid shaded by value in [0, 1] (retention by cohort and period)."""
    left, top, cell = 110, 24, 34
    width = left + cell * max(1, len(columns)) + 10
    height = top + cell * max(1, len(rows)) + 10
    body = []
    for j, column in enumerate(columns):
        body.append(
            f'<text x="{left + j * cell + cell / 2}" y="{top - 8}" text-anchor="middle">'
            f"{escape(str(column))}</text>"
        )
    for i, row in enumerate(rows):
        body.append(
            f'<text x="{left - 6}" y="{top + i * cell + cell / 2 + 4}" text-anchor="end">'
            f"{escape(str(row))}</text>"
        )
        for j, column in enumerate(columns):
            value = values.get((row, column))
            if value is None:
                continue
            shade = max(0.0, min(1.0, float(value)))
            fill = f"rgb({int(255 - 212 * shade)},{int(255 - 147 * shade)},{int(255 - 79 * shade)})"
            text = "#fff" if shade > 0.55 else "#222"
            body.append(
                f'<rect class="mark" x="{left + j * cell}" y="{top + i * cell}" width="{cell - 2}" '
                f'height="{cell - 2}" fill="{fill}"><title>{escape(str(row))} / '
                f"{escape(str(column))}: {shade:.1%}</title></rect>"
                f'<text x="{left + j * cell + cell / 2 - 1}" y="{top + i * cell + cell / 2 + 3}" '
                f'text-anchor="middle" fill="{text}" font-size="9">{shade:.0%}</text>'
            )
    return _svg(width, height, body, label)


def interval_chart(rows: list[tuple[str, float, float, float]], label: str, width=640) -> str:
    """A point with its confidence interval per row (experiment lift), zero marked."""
    left, bar = 220, 22
    height = len(rows) * bar + 30
    low = min([0.0] + [r[2] for r in rows if r[2] is not None])
    high = max([0.0] + [r[3] for r in rows if r[3] is not None])
    span = (high - low) or 1.0
    plot_w = width - left - 20

    def x(value: float) -> float:
        return left + plot_w * (value - low) / span

    body = [
        f'<line x1="{x(0):.1f}" y1="0" x2="{x(0):.1f}" y2="{height - 20}" stroke="#999" '
        'stroke-dasharray="3,3"/>',
        f'<text x="{x(0):.1f}" y="{height - 6}" text-anchor="middle">0</text>',
    ]
    for i, (name, point, lo, hi) in enumerate(rows):
        y = 12 + i * bar
        body.append(
            f'<text x="{left - 6}" y="{y + 4}" text-anchor="end">{escape(str(name))[:36]}</text>'
        )
        if lo is not None and hi is not None:
            body.append(
                f'<line class="mark" x1="{x(lo):.1f}" y1="{y}" x2="{x(hi):.1f}" y2="{y}" '
                f'stroke="{PALETTE[0]}" stroke-width="2"><title>{escape(str(name))}: '
                f"[{_fmt(lo)}, {_fmt(hi)}]</title></line>"
            )
        if point is not None:
            body.append(
                f'<circle class="mark" cx="{x(point):.1f}" cy="{y}" r="4" fill="{PALETTE[1]}">'
                f"<title>{escape(str(name))}: {_fmt(point)}</title></circle>"
            )
    return _svg(width, height, body, label)
