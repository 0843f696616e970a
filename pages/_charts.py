"""The Costs page's Altair charts.

Building and validating an Altair chart costs 30 to 100 ms, more than every query of a rerun
together, and a chart's shape depends only on what it shows (spend or edits, by which
dimension), not on the figures. So each shape is made with Altair once per process, as a
Vega-Lite spec over a named data set, and each run fills in its rows and draws it with
``st.vega_lite_chart``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any

import altair as alt

from editing import spend

#: Bars drawn per chart (the table and the CSV hold every slice).
BARS = 25
#: The selection a click on a spend bar makes: the slice's key.
PICK = "pick"
DATA = "rows"
Spec = dict[str, Any]


def _filled(template: str, records: list[dict[str, Any]]) -> Spec:
    spec: Spec = json.loads(template)
    spec.setdefault("datasets", {})[DATA] = records
    return spec


def _json(chart: alt.TopLevelMixin) -> str:
    spec = chart.to_dict()
    spec.pop("config", None)  # the default theme's fixed sizes: the page sizes its charts
    return json.dumps(spec)


@lru_cache(maxsize=64)
def bars_template(dimension: str, field: str) -> str:
    """One bar per slice: by day along time, else the costliest first; spend bars select a slice on click."""
    title = {"spend": "Spend (USD)", "edits": "Edits"}[field]
    if dimension == "day":
        x, y = alt.X("key:T", title="Day"), alt.Y(f"{field}:Q", title=title)
    else:
        x = alt.X(f"{field}:Q", title=title)
        y = alt.Y("label:N", title=None, sort=None, axis=alt.Axis(labelLimit=220))
    tooltip = [alt.Tooltip("label:N", title=spend.Dimension(dimension).heading), alt.Tooltip("edits:Q"),
               alt.Tooltip("previews:Q"), alt.Tooltip("spend:Q", format="$.4f")]  # fmt: skip
    chart = alt.Chart(alt.NamedData(DATA)).mark_bar().encode(x=x, y=y, tooltip=tooltip)
    if field == "spend":
        pick = alt.selection_point(fields=["key"], name=PICK)
        chart = chart.add_params(pick).encode(opacity=alt.condition(pick, alt.value(1.0), alt.value(0.45)))
    return _json(chart)


def bars(slices: list[spend.Slice], dimension: str, field: str) -> Spec:
    shown = slices if dimension == "day" else slices[:BARS]
    records = [{"key": s.key, "label": s.label, "spend": s.spend, "edits": s.edits, "previews": s.previews}
               for s in shown]  # fmt: skip
    return _filled(bars_template(dimension, field), records)


@lru_cache(maxsize=1)
def burn_down_template() -> str:
    """What each budget has left at the end of each day of its period, down to the dashed zero."""
    line = alt.Chart(alt.NamedData(DATA)).mark_line(point=True).encode(
        x=alt.X("day:T", title="Day"), y=alt.Y("remaining:Q", title="Left (USD)"),
        color=alt.Color("budget:N", title="Budget", legend=alt.Legend(orient="bottom", labelLimit=400)),
        tooltip=[alt.Tooltip("budget:N"), alt.Tooltip("day:T"), alt.Tooltip("spent_to_date:Q", format="$.4f"),
                 alt.Tooltip("remaining:Q", format="$.4f"), alt.Tooltip("limit_usd:Q", format="$.2f")],
    )  # fmt: skip
    zero = alt.Chart(alt.InlineData(values=[{"y": 0}])).mark_rule(strokeDash=[4, 4]).encode(y=alt.Y("y:Q"))
    return _json(line + zero)


def burn_down(points: tuple[spend.BurnPoint, ...]) -> Spec:
    records = [
        {**vars(p), "budget": p.brand + (f" / {p.campaign}" if p.campaign else "") + " · " + p.period}
        for p in points
    ]
    return _filled(burn_down_template(), records)


def picked(event: Any) -> str | None:
    """The slice key a click on the spend chart selected, if any."""
    points = ((event or {}).get("selection") or {}).get(PICK) or []
    return str(points[0]["key"]) if points and "key" in points[0] else None
