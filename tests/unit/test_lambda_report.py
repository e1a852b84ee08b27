"""The HTML report is one self-contained file: inline SVG charts, no scripts, no remote links."""

from __future__ import annotations

import re
import xml.dom.minidom
from datetime import date
from decimal import Decimal

import pytest

from healthetl.report.data import ANALYTICS_COLUMNS, Charts, RunData
from healthetl.report.html import render
from healthetl.report.svg import bar_chart, line_chart

pytestmark = pytest.mark.unit


def parse(svg: str) -> None:
    """Well-formed XML (our own output, not untrusted input)."""
    xml.dom.minidom.parseString(svg)  # noqa: S318


def sample() -> RunData:
    charts = Charts(
        monthly=[
            {"month_start": date(2024, m, 1), "total_treatments": 10, "success_rate_pct": r}
            for m, r in ((1, Decimal("50.00")), (2, None), (3, Decimal("75.50")))
        ],
        by_state=[{"country": "US", "state": "Ohio", "total_treatments": 7}],
        top_volume=[{"provider_full_name": "Dr <A> & B", "total_treatments": 12}],
        top_success=[{"provider_full_name": "Dr C", "success_rate_pct": Decimal("90.00")}],
        cost_by_type=[{"treatment_type": "Surgery", "avg_cost": Decimal("1234.56")}],
    )
    tables = {t: [] for t in ANALYTICS_COLUMNS}
    return RunData([], [("R1", 2)], [("R1,R4", 2)], tables, dict.fromkeys(tables, 0), charts)


def test_report_is_self_contained_with_five_valid_svg_charts() -> None:
    page = render(sample(), title="t", timings={"load": 1.5})
    svgs = re.findall(r"<svg.*?</svg>", page, re.S)
    assert len(svgs) == 5
    for svg in svgs:
        parse(svg)  # well-formed, names escaped
    assert "<script" not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert "Dr &lt;A&gt; &amp; B" in page


def test_charts_handle_gaps_and_equal_values() -> None:
    parse(line_chart(["a", "b"], [None, None], title="empty"))
    parse(line_chart(["a", "b"], [5.0, 5.0], title="flat"))
    parse(bar_chart([], [], title="none"))
