"""Atelier — router only: sign-in, shared sidebar, then st.navigation over pages/."""

from __future__ import annotations

import streamlit as st

from pages._auth import sign_in_screen, signed_in
from pages._common import sidebar

st.set_page_config(page_title="Atelier", page_icon="✦", layout="wide")

if not signed_in():  # [auth] configured and this browser has not signed in: nothing else exists
    st.navigation(
        [st.Page(sign_in_screen, title="Sign in", icon=":material/login:")], position="hidden"
    ).run()
    st.stop()

pages = [
    st.Page("pages/editor.py", title="Editor", icon=":material/movie_edit:", default=True),
    st.Page("pages/new_campaign.py", title="New campaign", icon=":material/add_circle:"),
    st.Page("pages/history.py", title="Edit history", icon=":material/history:"),
    st.Page("pages/costs.py", title="Costs", icon=":material/payments:"),
    st.Page("pages/budgets.py", title="Budgets", icon=":material/savings:"),
    st.Page("pages/admin.py", title="Admin", icon=":material/group:"),
    st.Page("pages/audit.py", title="Audit", icon=":material/policy:"),
    st.Page("pages/settings.py", title="Settings", icon=":material/tune:"),
]
nav = st.navigation(pages)
sidebar()
nav.run()
