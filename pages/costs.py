"""Costs: edit spend per campaign and in total (failed edits that cost money included)."""

from __future__ import annotations

from dataclasses import asdict

import altair as alt
import pandas as pd
import streamlit as st

from editing import campaigns, spend
from pages._common import current_brand, get_ctx

st.title("Costs")
ctx = get_ctx()
summary = campaigns.cost_summary(ctx, brand=current_brand())
c1, c2, c3 = st.columns(3)
c1.metric("Total edit spend", f"${summary.total_edit_cost:.4f}")
c2.metric("Edits", summary.total_edits)
c3.metric("Failed edits", summary.total_failed_edits)

df = pd.DataFrame([asdict(c) for c in summary.campaigns])
if df.empty:
    st.info("No campaigns yet.")
    st.stop()
st.subheader("Per campaign")
st.dataframe(
    df,
    hide_index=True,
    column_order=[
        "campaign",
        "brand",
        "edits",
        "failed_edits",
        "edit_cost",
        "avg_duration_s",
        "campaign_cost",
    ],
    column_config={
        "campaign": st.column_config.TextColumn("Campaign"),
        "brand": st.column_config.TextColumn("Brand"),
        "edits": st.column_config.NumberColumn("Edits"),
        "failed_edits": st.column_config.NumberColumn("Failed"),
        "edit_cost": st.column_config.NumberColumn("Edit spend", format="$%.4f"),
        "campaign_cost": st.column_config.NumberColumn("Campaign cost", format="$%.4f"),
        "avg_duration_s": st.column_config.NumberColumn("Avg edit time", format="%.1f s"),
    },
)
daily = pd.DataFrame([asdict(d) for d in spend.breakdown(ctx, spend.Dimension.DAY, brand=current_brand())])
st.subheader("Spend over time")
if daily.empty or daily["spend"].sum() == 0:
    st.caption("No spend yet: offline edits are free. Paid OpenAI and Replicate edits appear here by day.")
else:
    st.altair_chart(
        alt.Chart(daily)
        .mark_bar()
        .encode(
            x=alt.X("key:T", title="Day"),
            y=alt.Y("spend:Q", title="Spend (USD)"),
            tooltip=["key:T", "edits:Q", alt.Tooltip("spend:Q", format="$.4f")],
        ),
        width="stretch",
    )
