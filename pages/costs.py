"""Costs: the cost review dashboard. Headline figures, spend and edits by any dimension with the edits
behind each bar, budget burn-down, the most expensive edits; every view downloads as CSV (the same
text as ``python -m editing costs … --csv``)."""

from __future__ import annotations

from functools import partial
from typing import Any

import pandas as pd
import streamlit as st

from editing import spend
from editing.access import Scope
from pages import _cached as cached
from pages import _charts as charts
from pages._common import current_brand, period_picker, table, when
from pages._safe import md

DIMENSIONS = {d.value: d.heading for d in spend.Dimension}


def _money(title: str) -> Any:
    return st.column_config.NumberColumn(title, format="$%.4f")


def _count(title: str) -> Any:
    return st.column_config.NumberColumn(title, format="%d")


SLICES: dict[str, Any] = {
    "label": None,  # the dimension's name, per view
    "spend": _money("Spend"),
    "edits": _count("Edits"),
    "completed": _count("Completed"),
    "failed": _count("Failed"),
    "previews": _count("Previews"),
    "prompt_spend": _money("Prompt step"),
    "video_spend": _money("Video step"),
    "saved": _money("Adjusts saved"),
    "avg_seconds": st.column_config.NumberColumn("Avg time", format="%.1f s"),
}
BUDGETS: dict[str, Any] = {
    "brand": st.column_config.TextColumn("Brand"),
    "campaign": st.column_config.TextColumn("Campaign"),
    "period": st.column_config.TextColumn("Period"),
    "limit_usd": _money("Limit"),
    "spent": _money("Spent"),
    "held": _money("Held by running edits"),
    "remaining": _money("Left"),
    "used": st.column_config.ProgressColumn("Used", format="percent", min_value=0, max_value=1),
}
EDIT_COLUMNS: dict[str, Any] = {
    "when": st.column_config.TextColumn("When"),
    "campaign": st.column_config.TextColumn("Campaign"),
    "scene": st.column_config.NumberColumn("Scene"),
    "scene_role": st.column_config.TextColumn("Role"),
    "user": st.column_config.TextColumn("User"),
    "method": st.column_config.TextColumn("Method"),
    "status": st.column_config.TextColumn("Status"),
    "cost": st.column_config.NumberColumn("Cost", format="$%.4f"),
    "seconds": st.column_config.NumberColumn("Time", format="%.1f s"),
    "instruction": st.column_config.TextColumn("Instruction", width="large"),
}


def headline(k: spend.Kpis) -> None:
    """Spend this month against budget, cost per completed edit, failed spend, savings, edits, edit time."""
    month, per_edit, failed, saved, edits, median = st.columns(6)
    month.metric("Spend this month", f"${k.month_spend:,.2f}", help="UTC calendar month, edits and previews")
    if k.month_budget is not None and k.month_budget_used is not None:
        month.progress(
            min(k.month_budget_used, 1.0), text=f"{k.month_budget_used:.0%} of ${k.month_budget:,.2f}"
        )
    else:
        month.caption("No monthly budget set")
    cost = "—" if k.cost_per_completed is None else f"${k.cost_per_completed:,.4f}"
    per_edit.metric("Cost per completed edit", cost, help="All spend of the period over its completed edits")
    failed.metric("Spend on failed edits", f"${k.failed_spend:,.4f}", help="What edits that failed had spent")
    saved.metric(
        "Quick adjusts saved",
        f"${k.saved:,.2f}",
        help="What regenerating those scenes would have cost (the estimate), minus what the adjusts cost",
    )
    edits.metric("Edits", f"{k.edits:,d}")
    edits.caption(f"{k.completed:,d} completed · {k.failed:,d} failed · {k.previews:,d} previews")
    median.metric("Median edit time", "—" if k.median_seconds is None else f"{k.median_seconds:,.1f} s")


def breakdown(version: int, brand: Scope, period: spend.Period) -> None:
    """Spend and edit counts by the chosen dimension; click a bar (or pick below) for its edits."""
    dimension = st.selectbox(
        "Break down by", list(DIMENSIONS), index=2, format_func=DIMENSIONS.__getitem__, key="costs_dimension"
    )
    slices = cached.breakdown(version, brand, dimension, period.since, period.until)
    if not slices:
        st.info("No edits or previews in this period.")
        return
    left, right = st.columns(2)
    spend_bars = charts.bars(slices, dimension, "spend")
    event = left.vega_lite_chart(spec=spend_bars, on_select="rerun", key="costs_chart", width="stretch")
    right.vega_lite_chart(spec=charts.bars(slices, dimension, "edits"), width="stretch")
    if dimension != "day" and len(slices) > charts.BARS:
        st.caption(
            f"The charts show the {charts.BARS:d} costliest of {len(slices):d}; the table has them all."
        )
    st.dataframe(
        table(slices, list(SLICES)),
        hide_index=True,
        column_order=list(SLICES),
        column_config={**SLICES, "label": st.column_config.TextColumn(DIMENSIONS[dimension])},
    )
    st.download_button(
        "Download CSV",
        partial(spend.to_csv, slices, spend.Slice),
        f"costs-by-{dimension}.csv",
        "text/csv",
        key="dl_slices",
    )
    drill_down(version, brand, period, dimension, slices, charts.picked(event))


def drill_down(
    version: int,
    brand: Scope,
    period: spend.Period,
    dimension: str,
    slices: list[spend.Slice],
    picked: str | None,
) -> None:
    """The edits (and previews) behind one slice, newest first."""
    names = {s.key: s.label for s in slices}
    if picked in names and picked != st.session_state.get("_costs_last_pick"):
        st.session_state["_costs_last_pick"] = picked  # a new click on a bar chooses the slice below
        st.session_state["costs_drill"] = picked
    if st.session_state.get("costs_drill") not in names:
        st.session_state.pop("costs_drill", None)  # another dimension or period: start from its costliest
    st.subheader("The edits behind a figure")
    key = st.selectbox("Edits of", list(names), format_func=names.__getitem__, key="costs_drill")
    lines = cached.drill_down(version, brand, dimension, key, period.since, period.until)
    edit_table(lines, f"edits-{dimension}.csv", "dl_drill")


def edit_table(lines: list[spend.EditLine], file_name: str, key: str) -> None:
    if not lines:
        st.caption("Nothing in this period.")
        return
    df = table(
        lines, ["campaign", "scene_role", "user", "method", "status", "cost", "seconds", "instruction"]
    )
    df["when"] = [when(e.at) for e in lines]
    df["scene"] = pd.array([e.scene_index + 1 if e.scene_index >= 0 else None for e in lines], "Int64")
    st.dataframe(df, hide_index=True, column_order=list(EDIT_COLUMNS), column_config=EDIT_COLUMNS)
    st.download_button(
        "Download CSV", partial(spend.to_csv, lines, spend.EditLine), file_name, "text/csv", key=key
    )


def budgets(version: int, brand: Scope) -> None:
    """Each budget's standing, and its spend to date day by day against its limit."""
    burn = cached.burn_down(version, brand, spend.today())
    if not burn.budgets:
        st.info(
            "No budgets set. A manager sets one with `python -m editing budget set --brand NAME --usd 50`."
        )
        return
    standing = table(list(burn.budgets), list(BUDGETS)[:-1])
    standing["used"] = [b.used for b in burn.budgets]
    st.dataframe(
        standing,
        hide_index=True,
        column_order=list(BUDGETS),
        column_config=BUDGETS,
    )
    st.download_button(
        "Download CSV",
        partial(spend.to_csv, burn.budgets, spend.BudgetSpend),
        "budgets.csv",
        "text/csv",
        key="dl_budgets",
    )
    if burn.points:
        st.vega_lite_chart(spec=charts.burn_down(burn.points), width="stretch")
    st.download_button(
        "Download burn-down CSV",
        partial(spend.to_csv, burn.points, spend.BurnPoint),
        "burn-down.csv",
        "text/csv",
        key="dl_burn",
    )


st.title("Costs")
brand = current_brand()
version = cached.version()
period = period_picker("costs")
kpis = cached.kpis(version, brand, period.since, period.until, spend.today())
headline(kpis)
st.caption(
    f"Figures for {md(period.describe())} (UTC days); spend is edits and previews, failed edits included."
)
if kpis.spend == 0:
    st.caption("No spend yet: offline edits are free. Paid OpenAI and Replicate edits appear here by day.")
by_dimension, budget_tab, costliest = st.tabs(["Breakdown", "Budgets", "Most expensive edits"])
with by_dimension:
    breakdown(version, brand, period)
with budget_tab:
    budgets(version, brand)
with costliest:
    edit_table(
        cached.most_expensive(version, brand, period.since, period.until, 50), "most-expensive.csv", "dl_top"
    )
