"""Sign-in with Streamlit's st.login (any OpenID Connect provider set in ``[auth]``).

``signed_in()`` is what app.py asks before showing any page: without ``[auth]`` everyone is the
local user; with it, a browser that has not signed in sees only the sign-in screen, and a first
run after signing in records the user with editing.team (the first one to an empty install
becomes admin).
"""

from __future__ import annotations

import streamlit as st

from editing import team
from editing.errors import AtelierError
from pages._common import SIGNED_IN, auth_configured, get_ctx
from pages._safe import md


def signed_in() -> bool:
    """True when pages may run: sign-in is off, or this browser signed in and it is recorded."""
    if not auth_configured():
        return True
    if not st.user.is_logged_in:
        return False
    email = str(st.user.get("email") or "")
    if st.session_state.get(SIGNED_IN) == email.strip().lower() and email:
        return True
    if st.user.get("email_verified") is False:  # e.g. a self-registered account at the provider
        st.session_state["sign_in_error"] = f"the provider has not verified the email {email}"
        return False
    try:
        user = team.sign_in(get_ctx(), email, str(st.user.get("name") or ""))
    except AtelierError as exc:
        st.session_state["sign_in_error"] = str(exc)
        return False
    st.session_state[SIGNED_IN] = user.email
    if user.became_admin:
        st.toast(
            "You are the first to sign in: you are admin of everything.", icon=":material/shield_person:"
        )
    return True


def sign_in_screen() -> None:
    """The only page a browser that has not signed in can see."""
    st.title("✦ Atelier")
    problem = st.session_state.pop("sign_in_error", None)
    if problem:  # signed in with the provider, but Atelier cannot use that identity
        st.error(f"Signed in with the provider, but Atelier cannot use this identity: {md(problem)}.",
                 icon=":material/error:")  # fmt: skip
        if st.button("Sign out", key="sign_out_refused"):
            st.logout()
        return
    st.markdown("Sign in with your company account to edit your brands' campaigns.")
    if st.button("Sign in", type="primary", icon=":material/login:", key="sign_in"):
        st.login()
