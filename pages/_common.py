"""Shared UI plumbing for the pages: the cached Atelier handle, the sidebar, error display.

Session state holds ids only (brand name, campaign id), never ORM objects.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, TypeVar

import pandas as pd
import streamlit as st

from editing import access, campaigns, spend
from editing.access import Access, Scope
from editing.config import ENV_FIELDS, LOCAL_USER, load_settings
from editing.context import Atelier
from editing.errors import AtelierError
from editing.jobs.runner import Worker
from editing.startup import StartupReport, startup
from pages._safe import label, md

T = TypeVar("T")
logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")


def _secrets() -> dict[str, Any]:
    try:
        return {k: st.secrets[k] for k in ENV_FIELDS if k in st.secrets}
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return {}


@st.cache_resource(show_spinner="Starting Atelier: database and migrations…", on_release=Atelier.close)
def get_ctx() -> Atelier:
    """One Atelier per server process."""
    return Atelier.open(load_settings(extra=_secrets()))


def _stop(worker: Worker | None) -> None:
    if worker is not None:
        worker.stop()


@st.cache_resource(show_spinner=False, on_release=_stop)
def inline_worker() -> Worker | None:
    """With ATELIER_WORKERS=inline (the default), this server process runs edit jobs on threads."""
    ctx = get_ctx()
    if ctx.settings.workers != "inline":
        return None
    worker = Worker(ctx)
    worker.start_thread()
    return worker


@st.cache_resource(show_spinner="First start: building the demo campaign with the offline providers…")
def started() -> StartupReport:
    """Start-up once per process: close interrupted edits, build the demo on an empty install.

    A demo that could not be built is remembered (a black-holed S3 endpoint would add seconds
    to each click) until someone presses Retry.
    """
    return startup(get_ctx(), demo=True)


def guarded(fn: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
    """Call into editing/, turning its typed errors into st.error (one line)."""
    try:
        return fn(*args, **kwargs)
    except AtelierError as exc:
        st.error(md(exc), icon=":material/error:")
        return None


def sidebar() -> None:
    """Brand and campaign pickers, shared by every page."""
    try:
        ctx = get_ctx()
    except AtelierError as exc:
        st.error(f"Atelier could not start: {md(exc)}")
        st.stop()
    report = started()
    inline_worker()
    if report.demo_error:  # e.g. S3 unreachable: say so, keep the Settings page usable
        st.error(f"The demo campaign could not be created: {md(report.demo_error)}", icon=":material/error:")
        if st.button("Retry", key="retry_demo"):
            started.clear()
            st.rerun()
    with st.sidebar:
        st.markdown("### ✦ Atelier")
        account()
        fixed = ctx.settings.brand
        if fixed:
            st.session_state["brand"] = fixed
            st.caption(f"Brand: **{label(fixed)}**")
        else:
            _sticky_select("Brand", campaigns.list_brands(ctx, brand=person()), "brand")
        rows = campaigns.list_campaigns(ctx, brand=current_brand())
        if not rows:
            st.info("No campaigns yet for this brand.")
            st.session_state.pop("campaign_id", None)
            return
        labels = campaign_labels([(r.campaign_id, r.name) for r in rows])
        _sticky_select("Campaign", list(labels), "campaign_id", labels.__getitem__)
        st.caption(
            f"Prompt editor: **{label(ctx.settings.active_prompt_editor)}** · "
            f"Video: **{label(ctx.settings.active_video_generator)}** · "
            f"Storage: **{label(ctx.settings.active_storage)}**"
        )


def campaign_labels(rows: list[tuple[str, str]]) -> dict[str, str]:
    """Each campaign by its name; a short id only where two share one, so names are never cut."""
    seen: dict[str, int] = {}
    for _, name in rows:
        seen[name] = seen.get(name, 0) + 1
    return {cid: name if seen[name] == 1 else f"{name} · {cid[:6]}" for cid, name in rows}


#: The session key holding the signed-in email, once editing.team recorded the sign-in.
SIGNED_IN = "signed_in_email"


def auth_configured() -> bool:
    """Whether sign-in is on: an ``[auth]`` section in .streamlit/secrets.toml."""
    try:
        return "auth" in st.secrets
    except (FileNotFoundError, st.errors.StreamlitSecretNotFoundError):
        return False


def current_user() -> str:
    """Who acts: the signed-in email (recorded on edits, checked by editing/), or the local user
    when sign-in is not configured. Never the local user when it is: the page stops instead."""
    if not auth_configured():
        return LOCAL_USER
    email = st.session_state.get(SIGNED_IN)
    if not email:
        st.stop()
    return str(email)


def account() -> None:
    """Who is signed in, with a Sign out button; or, without sign-in, that the app runs as one local user."""
    if not auth_configured():
        st.caption(
            "Local mode — no sign-in", help="Add an [auth] section to .streamlit/secrets.toml to sign in."
        )
        return
    name = st.user.get("name") or ""
    if name:
        st.caption(f"Signed in as **{label(name)}** · {label(current_user())}")
    else:
        st.caption(f"Signed in as **{label(current_user())}**")
    if st.button("Sign out", icon=":material/logout:", key="sign_out"):
        st.session_state.pop(SIGNED_IN, None)
        st.logout()


def _sticky_select(title: str, options: list[str], state_key: str, fmt: Callable[[str], str] = str) -> None:
    """A selectbox whose choice lives in a plain session key, so it survives page switches
    (widget-keyed state is dropped when the widget is not drawn in a run)."""
    if not options:
        st.session_state.pop(state_key, None)
        return
    if st.session_state.get(state_key) not in options:
        st.session_state[state_key] = options[0]
    widget_key = f"_{state_key}_picker"
    drawn = widget_key in st.session_state
    if drawn and st.session_state[widget_key] != st.session_state[state_key]:
        st.session_state[widget_key] = st.session_state[state_key]  # a page chose for it (show_campaign)

    def keep() -> None:
        st.session_state[state_key] = st.session_state[widget_key]

    st.selectbox(
        md(title),
        options,
        index=0 if drawn else options.index(st.session_state[state_key]),  # once drawn, its state rules
        format_func=fmt,
        key=widget_key,
        on_change=keep,
    )


PERIODS = ("All time", "This month", "Last 7 days", "Last 30 days", "Last 90 days", "Custom")


HISTORY_COLUMNS = {
    "timestamp": st.column_config.TextColumn("When"),
    "campaign": st.column_config.TextColumn("Campaign"),
    "scene_index": st.column_config.NumberColumn("Scene"),
    "edit_prompt": st.column_config.TextColumn("Instruction", width="medium"),
    "changes_summary": st.column_config.TextColumn("Summary", width="large"),
    "cost": st.column_config.NumberColumn("Cost", format="$%.4f"),
    "elapsed_s": st.column_config.NumberColumn("Duration", format="%.2f s"),
    "status": st.column_config.TextColumn("Status"),
    "error": st.column_config.TextColumn("Error"),
    "user": st.column_config.TextColumn("User"),
    "prompt_provider": st.column_config.TextColumn("Prompt editor"),
    "video_provider": st.column_config.TextColumn("Video"),
}


def table(records: Sequence[Any], columns: list[str]) -> pd.DataFrame:
    """Frozen records as a table of the columns shown (a page sends the browser every column it gets,
    and ``asdict`` copies deeply: 60 ms for 500 edits)."""
    return pd.DataFrame([[getattr(r, c) for c in columns] for r in records], columns=columns)


def when(iso: str | None) -> str:
    """'2026-11-24T08:00:58Z' → '24 Nov 2026, 08:00 UTC' (what people read)."""
    if not iso:
        return "—"
    stamp = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return stamp.strftime("%d %b %Y, %H:%M UTC").lstrip("0")


def role_label(role: str) -> str:
    return role.upper() if role.lower() == "cta" else role.title()


def show_campaign(brand: str, campaign_id: str) -> None:
    """Make a campaign (just imported or duplicated) the sidebar's choice, from the next run on."""
    if not get_ctx().settings.brand:
        st.session_state["brand"] = brand
    st.session_state["campaign_id"] = campaign_id


def period_picker(page: str) -> spend.Period:
    """The date-range filter: a preset, or two days picked by hand (UTC days, both included)."""
    today = spend.today()
    left, right = st.columns([1, 2])
    choice = left.selectbox("Period", PERIODS, key=f"{page}_period")
    if choice == "Custom":
        picked = right.date_input(
            "From – to", value=(today - timedelta(days=29), today), max_value=today, key=f"{page}_days"
        )
        days = list(picked) if isinstance(picked, tuple | list) else [picked]
        return spend.Period(days[0] if days else None, days[1] if len(days) > 1 else None)
    if choice == "This month":
        return spend.Period(today.replace(day=1), today)
    if choice.startswith("Last"):
        return spend.Period.last_days(int(choice.split()[1]), today)
    return spend.ALL_TIME


def current_brand() -> Scope:
    """The scope every page passes to editing/ (its ``brand=``): the signed-in person's roles,
    narrowed to the brand picked in the sidebar; in local mode, the brand picked."""
    picked = st.session_state.get("brand") or get_ctx().settings.brand
    who = person()
    return picked if who is None else who.narrowed(picked)


def person() -> Access | None:
    """The signed-in person's roles (None in local mode: one user who may do everything)."""
    if not auth_configured():
        return None
    return _roles(current_user())


@st.cache_data(ttl=2, show_spinner=False)
def _roles(email: str) -> Access:
    """Roles change on the Admin page: read again after two seconds at most."""
    return access.access_for(get_ctx(), email)


def current_campaign() -> str | None:
    return st.session_state.get("campaign_id")


def reset_caches() -> None:
    """Release the process-wide resources (worker first, then start-up, then the context)."""
    inline_worker.clear()
    started.clear()
    get_ctx.clear()
