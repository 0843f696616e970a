"""Admin: the members of each brand and their role, and who is admin (editing.team does the checks)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

import pandas as pd
import streamlit as st

from editing import team
from editing.errors import AtelierError
from pages._common import current_user, get_ctx, guarded, when
from pages._safe import label, md

ROLE_HELP = (
    "viewer: campaigns, history, costs · editor: edits within budget · manager: budgets, members, approvals"
)


def _seen(m: team.MemberInfo) -> str:
    return when(m.last_seen_at.astimezone(UTC).isoformat()) if m.last_seen_at else "never signed in"


def members_table(members: list[team.MemberInfo]) -> None:
    rows = [
        {
            "email": m.email,
            "name": m.name,
            "brand": m.brand or "—",
            "role": m.role or "—",
            "admin": m.is_admin,
            "last_seen": _seen(m),
        }
        for m in members
    ]
    st.dataframe(
        pd.DataFrame(rows, columns=["email", "name", "brand", "role", "admin", "last_seen"]),
        hide_index=True,
        column_config={
            "email": st.column_config.TextColumn("Email", width="medium"),
            "name": st.column_config.TextColumn("Name"),
            "brand": st.column_config.TextColumn("Brand"),
            "role": st.column_config.TextColumn("Role"),
            "admin": st.column_config.CheckboxColumn("Admin"),
            "last_seen": st.column_config.TextColumn("Last seen"),
        },
    )


def _act(done: Callable[[Any], str], fn: Callable[..., Any], *args: object) -> None:
    """Run one change (a form's callback, so the table drawn after it is already up to date)."""
    try:
        result = fn(get_ctx(), current_user(), *args)
    except AtelierError as exc:
        st.session_state["admin_notice"] = ("error", str(exc))
    else:
        st.session_state["admin_notice"] = ("success", done(result))


def _add() -> None:
    email, brand, role = (st.session_state[k] for k in ("member_email", "member_brand", "member_role"))
    _act(lambda m: f"{m.email} is {m.role} of {m.brand}", team.add_member, email, brand or "", role)


def _remove() -> None:
    chosen = st.session_state.get("member_remove")
    if chosen:
        email, brand = chosen
        _act(lambda _: f"{email} is no longer a member of {brand}", team.remove_member, email, brand)


def _admin(grant: bool) -> None:
    email = st.session_state["admin_email"]
    _act(lambda u: f"{u.email} is {'now' if grant else 'no longer'} an admin", team.set_admin, email, grant)


def add_form(brands: list[str]) -> None:
    with st.form("add_member", clear_on_submit=True):
        st.markdown("**Add a member or change a role**")
        st.text_input("Email", placeholder="name@company.com", key="member_email")
        st.selectbox("Brand", brands, format_func=label, key="member_brand")
        st.selectbox("Role", team.ROLES, index=1, help=md(ROLE_HELP), key="member_role")
        st.form_submit_button("Save", type="primary", icon=":material/person_add:", on_click=_add)


def remove_form(members: list[team.MemberInfo], brands: list[str]) -> None:
    pairs = [(m.email, m.brand) for m in members if m.brand in brands]
    with st.form("remove_member"):
        st.markdown("**Remove a member**")
        st.selectbox("Member", pairs, format_func=lambda p: label(f"{p[0]} — {p[1]}"), key="member_remove")
        st.form_submit_button("Remove", icon=":material/person_remove:", disabled=not pairs, on_click=_remove)


def admin_form() -> None:
    with st.form("make_admin", clear_on_submit=True):
        st.markdown("**Admins** — admin of every brand, and of who is admin")
        st.text_input("Email", placeholder="name@company.com", key="admin_email")
        grant, revoke = st.columns(2)
        grant.form_submit_button("Make admin", icon=":material/shield_person:", on_click=_admin, args=(True,))
        revoke.form_submit_button(
            "No longer admin", icon=":material/remove_moderator:", on_click=_admin, args=(False,)
        )


def notice() -> None:
    kind, text = st.session_state.pop("admin_notice", (None, ""))
    if kind == "error":
        st.error(md(text), icon=":material/error:")
    elif kind == "success":
        st.success(md(text), icon=":material/check:")


st.title("Admin")
ctx, me = get_ctx(), current_user()
user = team.get_user(ctx, me)
is_admin = user is not None and user.is_admin
brands = guarded(team.manageable_brands, ctx, me) or []
if not is_admin and not brands:
    st.info(
        "You need to be a manager of a brand (or an admin) to manage its members.", icon=":material/lock:"
    )
    st.stop()
notice()
members = guarded(team.list_members, ctx, me) or []
left, right = st.columns([3, 2])
with left:
    members_table(members)
with right:
    if brands:
        add_form(brands)
        remove_form(members, brands)
    if is_admin:
        admin_form()
