"""Settings: which providers are active, whether each answers, and the configuration in force."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from editing import health
from editing.config import ENV_FIELDS
from pages._common import get_ctx

SECRET = {"OPENAI_API_KEY", "REPLICATE_API_TOKEN", "DATABASE_URL"}

st.title("Settings")
ctx = get_ctx()
st.subheader("Providers")
if st.button("Check again", icon=":material/refresh:") or "health" not in st.session_state:
    with st.spinner("Checking providers…"):
        st.session_state["health"] = health.check_all(ctx)
rows = st.session_state["health"]
for r in rows:
    (st.success if r.ok else st.error)(f"**{r.kind}** · {r.provider} — {r.detail}")

st.subheader("Configuration")
values = ctx.settings.model_dump()
table = [
    {
        "variable": var,
        "value": ("set" if values.get(field) else "not set")
        if var in SECRET
        else ("not set" if values.get(field) in (None, "", ()) else str(values.get(field))),
    }
    for var, field in ENV_FIELDS.items()
]
st.dataframe(
    pd.DataFrame(table),
    hide_index=True,
    height="content",  # every variable, no inner scrollbar
    column_config={
        "variable": st.column_config.TextColumn("Variable", width="medium"),
        "value": st.column_config.TextColumn("Value", width="large"),
    },
)
st.caption("Set these as environment variables or in .streamlit/secrets.toml (see secrets.toml.example).")
