"""Edit history: every edit (completed, failed, running), key columns first; a row opens its details
and its before and after."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from editing.domain import HistoryRow
from pages import _cached as cached
from pages._common import HISTORY_COLUMNS, current_brand, when
from pages._safe import label, md
from pages._versions import compare_view

STATUSES = ["completed", "failed", "running", "queued"]
LIMIT = 500


def details(row: HistoryRow) -> None:
    """One edit in full: prompts before and after, providers, cost breakdown, error; its compare."""
    r = row.record
    what = "the music" if r.scene_index < 0 else f"scene {r.scene_index + 1:d}"  # a music change: no scene
    st.markdown(
        f"**{label(row.campaign)} · {md(what)} · {md(r.method)} · {md(r.status)}** "
        f"· {md(when(r.timestamp))} · {label(r.user or '')}"
    )
    st.markdown(f"**Instruction:** {md(r.edit_prompt)}")
    if r.changes_summary:
        st.markdown(f"**Summary:** {md(r.changes_summary)}")
    if r.error:
        st.error(md(r.error), icon=":material/error:")
    before, after = st.columns(2)
    before.caption("Prompt before")
    before.text(r.original_prompt or "—")
    after.caption("Prompt after")
    after.text(r.modified_prompt or "—")
    breakdown = ", ".join(f"{k} ${v:.4f}" for k, v in (r.cost_breakdown or {}).items()) or "nothing"
    st.caption(
        f"Cost ${r.cost:.4f} ({md(breakdown)}) · {r.elapsed_s:.2f}s "
        f"· prompt: {label(r.prompt_provider or '—')} · video: {label(r.video_provider or '—')}"
        + (" · from a preview" if r.preview_id else "")
    )
    if r.status == "completed" and r.scene_index >= 0:
        with st.expander("Compare before and after", icon=":material/compare:", expanded=True):
            compare_view(r.edit_id)


def _scene_number(row: HistoryRow) -> int | None:
    return row.record.scene_index + 1 if row.record.scene_index >= 0 else None


def _table_row(row: HistoryRow) -> dict[str, Any]:
    """The record's fields as they are (to_dict's deep copy costs a rerun 60 ms at 500 rows)."""
    r = row.record
    return {**vars(r), "campaign": row.campaign, "when": when(r.timestamp), "scene": _scene_number(row)}


st.title("Edit history")
brand = current_brand()
version = cached.version()
rows = cached.history_rows(version, brand, LIMIT)
if not rows:
    st.info("No edits yet. Open the Editor, pick a scene and press Edit.")
    st.stop()

total = cached.count_edits(version, brand)
if total > LIMIT:
    st.caption(f"Showing the newest {LIMIT:d} of {total:d} edits; the Costs page totals all of them.")
df = pd.DataFrame([_table_row(r) for r in rows])
df["scene"] = df["scene"].astype("Int64")  # empty for a music change
names = sorted(df["campaign"].unique())
left, right = st.columns([2, 3])
chosen = left.multiselect("Campaigns", names, default=names)
statuses = right.pills("Status", STATUSES, selection_mode="multi", default=STATUSES)
right.caption("Showing: " + (md(", ".join(statuses)) if statuses else "nothing (pick a status)"))
shown = df["campaign"].isin(chosen) & df["status"].isin(statuses or [])
view = df[shown]
c1, c2, c3 = st.columns(3)
c1.metric("Edits shown", len(view))
c2.metric("Spend shown", f"${view['cost'].sum():.4f}")
c3.metric("Median duration", f"{view['elapsed_s'].median():.2f}s" if len(view) else "—")
st.caption(
    "Refused instructions (empty, or nothing visual to change) are not edits: they change and cost nothing."
)
event = st.dataframe(
    view,
    hide_index=True,
    on_select="rerun",
    selection_mode="single-row",
    key="history_table",
    column_order=["when", "campaign", "scene", "edit_prompt", "method", "status", "cost", "elapsed_s"],
    column_config={
        **HISTORY_COLUMNS,
        "when": st.column_config.TextColumn("When"),
        "scene": st.column_config.NumberColumn("Scene"),
        "method": st.column_config.TextColumn("Method"),
        "edit_prompt": st.column_config.TextColumn("Instruction", width="large"),
    },
)
picked = event.selection.rows if event is not None else []
if picked:
    position = int(view.index[picked[0]])
    with st.container(border=True):
        details(rows[position])
else:
    st.caption("Select a row to see its prompts, providers, cost breakdown, and its before and after.")
