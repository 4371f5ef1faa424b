"""小图表: tiny charts drawn on the server as inline SVG.

The content security policy forbids inline scripts and inline style attributes, so a chart is plain SVG
geometry with presentation attributes (x, y, width, height) and classes styled by static/css/dashboard.css.
Every chart has a <title> and an aria-label saying the same numbers in words, for screen readers.
"""
from __future__ import annotations

from markupsafe import Markup, escape

WIDTH = 300


def _svg(height: int, label: str, body: list[str]) -> Markup:
    return Markup(
        f'<svg class="pm-chart" viewBox="0 0 {WIDTH} {height}" role="img" aria-label="{escape(label)}" '
        f'preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg"><title>{escape(label)}</title>'
        + "".join(body) + "</svg>"
    )


def columns(values: list[tuple[str, int]], *, label: str, highlight_last: bool = True) -> Markup:
    """A column chart of a short series (a trend): one column per (tick, value), the last one highlighted."""
    height, top, bottom = 110, 14, 18
    n = max(1, len(values))
    peak = max([v for _t, v in values] + [1])
    step = WIDTH / n
    body = []
    for i, (tick, value) in enumerate(values):
        h = round((height - top - bottom) * value / peak, 1)
        x = round(i * step + step * 0.15, 1)
        y = round(height - bottom - h, 1)
        cls = "bar bar-now" if highlight_last and i == n - 1 else "bar"
        body.append(f'<rect class="{cls}" x="{x}" y="{y}" width="{round(step * 0.7, 1)}" height="{max(h, 0.5)}">'
                    f'<title>{escape(tick)}: {value}</title></rect>')
        if value:
            body.append(f'<text class="val" x="{round(x + step * 0.35, 1)}" y="{round(y - 2, 1)}" '
                        f'text-anchor="middle">{value}</text>')
        if i in (0, n - 1) or n <= 7:
            body.append(f'<text class="tick" x="{round(x + step * 0.35, 1)}" y="{height - 4}" '
                        f'text-anchor="middle">{escape(tick)}</text>')
    body.append(f'<line class="axis" x1="0" y1="{height - bottom}" x2="{WIDTH}" y2="{height - bottom}"/>')
    return _svg(height, label, body)


def shares(parts: list[tuple[str, int, str]], *, label: str) -> Markup:
    """A stacked bar of the parts of a whole (text, value, tone class), with a legend below."""
    total = sum(v for _t, v, _c in parts)
    height = 30 + 22 * len(parts)
    body, x = [], 0.0
    for text, value, tone in parts:
        w = WIDTH * value / total if total else 0
        if w:
            body.append(f'<rect class="seg {escape(tone)}" x="{round(x, 1)}" y="4" width="{round(w, 1)}" '
                        f'height="20"><title>{escape(text)}: {value}</title></rect>')
        x += w
    if not total:
        body.append(f'<rect class="seg empty" x="0" y="4" width="{WIDTH}" height="20"/>')
    for i, (text, value, tone) in enumerate(parts):
        y = 30 + 22 * i
        pct = f" ({round(100 * value / total)}%)" if total else ""
        body.append(f'<rect class="seg {escape(tone)}" x="0" y="{y + 4}" width="14" height="14"/>'
                    f'<text class="legend" x="20" y="{y + 16}">{escape(text)} {value}{pct}</text>')
    return _svg(height, label, body)


def pairs(rows: list[tuple[str, float | None, float | None, str]], *, label: str, now: str, before: str) -> Markup:
    """Paired horizontal bars comparing this period with the last: (text, now, before, shown value)."""
    height = 20 + 34 * len(rows)
    body = [f'<rect class="bar bar-now" x="0" y="2" width="10" height="10"/>'
            f'<text class="legend" x="14" y="12">{escape(now)}</text>'
            f'<rect class="bar" x="120" y="2" width="10" height="10"/>'
            f'<text class="legend" x="134" y="12">{escape(before)}</text>']
    for i, (text, a, b, shown) in enumerate(rows):
        y = 20 + 34 * i
        body.append(f'<text class="legend" x="0" y="{y + 10}">{escape(text)} {escape(shown)}</text>')
        for j, (value, cls) in enumerate(((a, "bar bar-now"), (b, "bar"))):
            w = round(max(0.0, min(1.0, value or 0.0)) * (WIDTH - 10), 1)
            body.append(f'<rect class="{cls}" x="0" y="{y + 13 + 9 * j}" width="{max(w, 0.5)}" height="8"/>')
    return _svg(height, label, body)
