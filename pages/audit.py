"""Audit: who did what, newest first — edits, reverts, uploads and previews from their own rows, budget,
role and approval changes from the audit log — filtered by period, person and action, as CSV too
(the same text as ``python -m editing audit … --csv``)."""

from __future__ import annotations

from functools import partial

import streamlit as st

from editing import spend
from pages import _cached as cached
from pages._common import current_brand, period_picker, table, when

EVERYONE, EVERY_ACTION = "Everyone", "Every action"
LIMIT = 1000
COLUMNS = ["actor", "action", "brand", "campaign", "target", "details", "cost"]

st.title("Audit")
brand = current_brand()
version = cached.version()
period = period_picker("audit")
actors, actions = cached.audit_filters(version, brand)
left, right = st.columns(2)
actor = left.selectbox("Who", [EVERYONE, *actors], key="audit_actor")
action = right.selectbox("Action", [EVERY_ACTION, *actions], key="audit_action")
lines = cached.audit(
    version,
    brand,
    period.since,
    period.until,
    None if actor == EVERYONE else actor,
    None if action == EVERY_ACTION else action,
    LIMIT,
)
if not lines:
    st.info("Nothing was done in this period by this person with this action.")
    st.stop()
st.caption(
    f"{len(lines):,d} entries, newest first"
    + (" (the newest: narrow the period to see older ones)" if len(lines) == LIMIT else "")
    + "; the CSV holds the same."
)
st.dataframe(
    table(lines, COLUMNS).assign(when=[when(a.at) for a in lines]),
    hide_index=True,
    column_order=["when", *COLUMNS],
    column_config={
        "when": st.column_config.TextColumn("When"),
        "actor": st.column_config.TextColumn("Who"),
        "action": st.column_config.TextColumn("Action"),
        "brand": st.column_config.TextColumn("Brand"),
        "campaign": st.column_config.TextColumn("Campaign"),
        "target": st.column_config.TextColumn("What"),
        "details": st.column_config.TextColumn("Details", width="large"),
        "cost": st.column_config.NumberColumn("Cost", format="$%.4f"),
    },
)
st.download_button(
    "Download CSV", partial(spend.to_csv, lines, spend.AuditLine), "audit.csv", "text/csv", key="dl_audit"
)
