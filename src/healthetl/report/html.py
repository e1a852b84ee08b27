"""The self-contained HTML report: one file, inline CSS and SVG, no scripts, no CDN."""

from __future__ import annotations

from datetime import UTC, datetime
from html import escape
from pathlib import Path
from typing import Any

from healthetl.report.data import RunData
from healthetl.report.svg import bar_chart, line_chart

CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222;max-width:1100px}
h1{font-size:1.5em}h2{font-size:1.15em;margin-top:2em;border-bottom:1px solid #ddd}
table{border-collapse:collapse;font-size:12px;margin:.5em 0}
td,th{border:1px solid #ddd;padding:3px 6px;text-align:left}th{background:#f3f5f7}
td.n{text-align:right;font-variant-numeric:tabular-nums}
.charts{display:flex;flex-wrap:wrap;gap:1.5em}.ok{color:#1e7d32}.bad{color:#b71c1c}
"""


def _cell(value: Any) -> str:
    if isinstance(value, int | float) or type(value).__name__ == "Decimal":
        return f"<td class='n'>{escape(str(value))}</td>"
    if isinstance(value, datetime):
        return f"<td>{value.strftime('%Y-%m-%d %H:%M:%S')}</td>"
    css = " class='ok'" if value in ("SUCCEEDED", "MATCH") else ""
    css = " class='bad'" if value in ("FAILED", "MISMATCH") else css
    return f"<td{css}>{escape('' if value is None else str(value))}</td>"


def table_html(rows: list[dict[str, Any]], columns: tuple[str, ...] | None = None) -> str:
    if not rows:
        return "<p><em>no rows</em></p>"
    cols = columns or tuple(rows[0].keys())
    head = "".join(f"<th>{escape(c)}</th>" for c in cols)
    body = "".join("<tr>" + "".join(_cell(r.get(c)) for c in cols) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def charts_html(data: RunData) -> str:
    c = data.charts
    monthly = line_chart(
        [str(r["month_start"])[:7] for r in c.monthly],
        [
            None if r["success_rate_pct"] is None else float(r["success_rate_pct"])
            for r in c.monthly
        ],
        title="Monthly success rate (% of completed treatments started that month)",
        unit="%",
    )
    states = bar_chart(
        [f"{r['state']} ({r['country']})" for r in c.by_state],
        [float(r["total_treatments"]) for r in c.by_state],
        title="Treatments by state (top 15)",
    )
    volume = bar_chart(
        [str(r["provider_full_name"]) for r in c.top_volume],
        [float(r["total_treatments"]) for r in c.top_volume],
        title="Top providers by volume",
    )
    success = bar_chart(
        [str(r["provider_full_name"]) for r in c.top_success],
        [float(r["success_rate_pct"]) for r in c.top_success],
        title="Top providers by success rate (≥ 10 completed)",
        unit="%",
    )
    cost = bar_chart(
        [str(r["treatment_type"]) for r in c.cost_by_type],
        [float(r["avg_cost"]) for r in c.cost_by_type],
        title="Average cost by treatment type",
    )
    return f"<div class='charts'>{monthly}{states}{volume}{success}{cost}</div>"


def render(
    data: RunData,
    *,
    title: str,
    timings: dict[str, float] | None = None,
    rounds: list[dict[str, Any]] | None = None,
) -> str:
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        f"<p>Generated {datetime.now(UTC).strftime('%Y-%m-%d %H:%M:%S UTC')}.</p>",
    ]
    if rounds:
        parts += ["<h2>Rounds</h2>", table_html(rounds)]
    if timings:
        parts += [
            "<h2>Stage times (s)</h2>",
            table_html([{"stage": k, "seconds": round(v, 1)} for k, v in timings.items()]),
        ]
    parts += ["<h2>Charts</h2>", charts_html(data)]
    parts += ["<h2>Load steps (gold.etl_tracker)</h2>", table_html(data.tracker)]
    parts += [
        "<h2>Rejected items</h2>",
        table_html([{"rule": r, "items": n} for r, n in data.rejects_by_rule]),
        table_html([{"broken_rules": r, "items": n} for r, n in data.rejects_by_combination]),
    ]
    parts.append("<h2>Analytical tables (top rows)</h2>")
    for table, rows in data.top_rows.items():
        parts.append(f"<h3>analytics.{escape(table)} — {data.row_counts[table]:,} rows</h3>")
        parts.append(table_html(rows))
    parts.append("</body></html>")
    return "".join(parts)


def write_report(path: Path, html_text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html_text, encoding="utf-8")
    return path
