"""Small inline-SVG charts (no JavaScript, no CDN): a line chart and a horizontal bar chart."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

FONT = "font-family='system-ui,sans-serif' font-size='11'"
BAR_COLOUR = "#2f6f9f"
LINE_COLOUR = "#c0392b"


def _fmt(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"


def bar_chart(
    labels: Sequence[str], values: Sequence[float], *, title: str, unit: str = "", width: int = 640
) -> str:
    """Horizontal bars, one row per label, value printed at the end of each bar."""
    row_h, label_w, pad = 20, 220, 8
    height = pad * 2 + 24 + row_h * len(labels)
    top = max((float(v) for v in values), default=0.0) or 1.0
    bar_w = width - label_w - 90
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"role='img' aria-label='{escape(title)}'>",
        f"<text x='{pad}' y='{pad + 12}' {FONT} font-weight='bold'>{escape(title)}</text>",
    ]
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = pad + 24 + i * row_h
        length = max(1.0, bar_w * float(value) / top)
        parts.append(
            f"<text x='{label_w - 6}' y='{y + 13}' text-anchor='end' {FONT}>"
            f"{escape(str(label))[:40]}</text>"
            f"<rect x='{label_w}' y='{y + 3}' width='{length:.1f}' height='{row_h - 6}' "
            f"fill='{BAR_COLOUR}'><title>{escape(str(label))}: {_fmt(float(value))}{unit}</title>"
            f"</rect><text x='{label_w + length + 4:.1f}' y='{y + 13}' {FONT}>"
            f"{_fmt(float(value))}{escape(unit)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def line_chart(
    labels: Sequence[str],
    values: Sequence[float | None],
    *,
    title: str,
    unit: str = "",
    width: int = 760,
    height: int = 260,
) -> str:
    """A line over time; None values leave gaps. Y axis from the data's min to max."""
    left, right, top_pad, bottom = 48, 12, 28, 40
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    present = [float(v) for v in values if v is not None]
    lo, hi = (min(present), max(present)) if present else (0.0, 1.0)
    if hi - lo < 1e-9:
        lo, hi = lo - 1, hi + 1
    n = max(1, len(values) - 1)

    def xy(i: int, v: float) -> tuple[float, float]:
        return left + plot_w * i / n, top_pad + plot_h * (1 - (v - lo) / (hi - lo))

    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"role='img' aria-label='{escape(title)}'>",
        f"<text x='8' y='16' {FONT} font-weight='bold'>{escape(title)}</text>",
        f"<line x1='{left}' y1='{top_pad + plot_h}' x2='{left + plot_w}' y2='{top_pad + plot_h}'"
        " stroke='#999'/>",
        f"<line x1='{left}' y1='{top_pad}' x2='{left}' y2='{top_pad + plot_h}' stroke='#999'/>",
    ]
    for frac in (0.0, 0.5, 1.0):
        v = lo + (hi - lo) * frac
        y = top_pad + plot_h * (1 - frac)
        parts.append(
            f"<text x='{left - 4}' y='{y + 4:.1f}' text-anchor='end' {FONT}>"
            f"{_fmt(round(v, 1))}{escape(unit)}</text>"
        )
    segment: list[str] = []
    segments: list[list[str]] = []
    for i, v in enumerate(values):
        if v is None:
            if segment:
                segments.append(segment)
            segment = []
            continue
        x, y = xy(i, float(v))
        segment.append(f"{x:.1f},{y:.1f}")
        parts.append(
            f"<circle cx='{x:.1f}' cy='{y:.1f}' r='2.5' fill='{LINE_COLOUR}'>"
            f"<title>{escape(labels[i])}: {_fmt(float(v))}{escape(unit)}</title></circle>"
        )
    if segment:
        segments.append(segment)
    for seg in segments:
        parts.append(
            f"<polyline points='{' '.join(seg)}' fill='none' stroke='{LINE_COLOUR}' "
            "stroke-width='1.5'/>"
        )
    step = max(1, len(labels) // 8)
    for i in range(0, len(labels), step):
        x, _ = xy(i, lo)
        parts.append(
            f"<text x='{x:.1f}' y='{top_pad + plot_h + 16}' text-anchor='middle' {FONT}>"
            f"{escape(labels[i])}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
