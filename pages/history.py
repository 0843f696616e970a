"""Edit history: every edit that ran (completed, failed or running), from the edit_history table."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from editing import campaigns
from pages._common import HISTORY_COLUMNS, current_brand, get_ctx, when
from pages._safe import md

st.title("Edit history")
ctx = get_ctx()
LIMIT = 500
rows = campaigns.history_rows(ctx, brand=current_brand(), limit=LIMIT)
if not rows:
    st.info("No edits yet. Open the Editor, pick a scene and press Edit.")
    st.stop()

df = pd.DataFrame([r.to_dict() for r in rows])
df["when"] = df["timestamp"].map(when)
df["error"] = df["error"].fillna("")
total = campaigns.count_edits(ctx, brand=current_brand())
if total > LIMIT:
    st.caption(f"Showing the newest {LIMIT:d} of {total:d} edits; the Costs page totals all of them.")
names = sorted(df["campaign"].unique())
chosen = st.multiselect("Campaigns", names, default=names)
statuses = st.segmented_control(
    "Status",
    ["completed", "failed", "running", "queued"],
    selection_mode="multi",
    default=["completed", "failed", "running", "queued"],
)
view = df[df["campaign"].isin(chosen) & df["status"].isin(statuses or [])]
c1, c2, c3 = st.columns(3)
c1.metric("Edits shown", len(view))
c2.metric("Spend shown", f"${view['cost'].sum():.4f}")
c3.metric("Median duration", f"{view['elapsed_s'].median():.2f}s" if len(view) else "—")
st.caption(
    "Refused instructions (empty, or nothing visual to change) are not edits: they change and cost nothing."
)
st.dataframe(
    view,
    hide_index=True,
    column_order=[
        "when",
        "campaign",
        "scene_index",
        "edit_prompt",
        "changes_summary",
        "cost",
        "elapsed_s",
        "status",
        "error",
        "user",
        "prompt_provider",
        "video_provider",
    ],
    column_config={**HISTORY_COLUMNS, "when": st.column_config.TextColumn("When")},
)
with st.expander("Prompts before and after"):
    for r in view.head(20).to_dict("records"):
        st.markdown(f"**{md(r['when'])} · scene {r['scene_index']:d} · {md(r['edit_prompt'])}**")
        st.text(f"before: {r['original_prompt']}\nafter:  {r['modified_prompt'] or '—'}")
