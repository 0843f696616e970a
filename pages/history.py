"""Edit history: every edit attempt, from the edit_history table."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from editing import campaigns
from pages._common import current_brand, get_ctx

st.title("Edit history")
ctx = get_ctx()
LIMIT = 500
rows = campaigns.history_rows(ctx, brand=current_brand(), limit=LIMIT)
if not rows:
    st.info("No edits yet. Open the Editor, pick a scene and press Edit.")
    st.stop()

df = pd.DataFrame(rows)
total = campaigns.count_edits(ctx, brand=current_brand())
if total > LIMIT:
    st.caption(f"Showing the newest {LIMIT} of {total} edits; the Costs page totals all of them.")
names = sorted(df["campaign"].unique())
chosen = st.multiselect("Campaigns", names, default=names)
statuses = st.segmented_control("Status", ["completed", "failed", "running"], selection_mode="multi",
                                default=["completed", "failed", "running"])  # fmt: skip
view = df[df["campaign"].isin(chosen) & df["status"].isin(statuses or [])]
c1, c2, c3 = st.columns(3)
c1.metric("Edits shown", len(view))
c2.metric("Spend shown", f"${view['cost'].sum():.4f}")
c3.metric("Median duration", f"{view['elapsed_s'].median():.1f}s" if len(view) else "—")
st.dataframe(
    view[["timestamp", "campaign", "scene_index", "edit_prompt", "changes_summary", "cost",
          "elapsed_s", "status", "error", "user", "prompt_provider", "video_provider"]],
    hide_index=True,
    column_config={
        "timestamp": st.column_config.TextColumn("When (UTC)"),
        "scene_index": st.column_config.NumberColumn("Scene"),
        "edit_prompt": st.column_config.TextColumn("Instruction", width="medium"),
        "changes_summary": st.column_config.TextColumn("Summary", width="large"),
        "cost": st.column_config.NumberColumn("Cost", format="$%.4f"),
        "elapsed_s": st.column_config.NumberColumn("Duration", format="%.1f s"),
    },
)  # fmt: skip
with st.expander("Prompts before and after"):
    for r in view.head(20).to_dict("records"):
        st.markdown(f"**{r['timestamp']} · scene {r['scene_index']} · {r['edit_prompt']}**")
        st.text(f"before: {r['original_prompt']}\nafter:  {r['modified_prompt'] or '—'}")
