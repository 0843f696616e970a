"""The reads of the History, Costs and Audit pages, cached under the data version.

:func:`version` is one primary-key read per run. Every other read is cached with the version
among its arguments: a rerun (a filter click, a tab) re-sends only the query whose arguments
changed, and any committed change these pages show (an edit, a budget, an audit entry) bumps
the version in its own transaction (migration 0005), so the next run reads afresh. A page is
never stale and never re-reads what it already has. ``version`` is unused in the bodies on
purpose: it is part of the cache key.
"""

from __future__ import annotations

from datetime import date

import streamlit as st

from editing import campaigns, spend
from editing.access import Scope
from editing.domain import HistoryRow
from pages._common import get_ctx

#: Entries kept per function: a few users' filters over a few versions.
ENTRIES = 64


def version() -> int:
    return spend.data_version(get_ctx())


def _period(since: date | None, until: date | None) -> spend.Period:
    return spend.Period(since, until)


@st.cache_data(max_entries=ENTRIES, show_spinner=False)
def history_rows(version: int, brand: Scope, limit: int) -> list[HistoryRow]:
    return campaigns.history_rows(get_ctx(), brand=brand, limit=limit)


@st.cache_data(max_entries=ENTRIES, show_spinner=False)
def count_edits(version: int, brand: Scope) -> int:
    return campaigns.count_edits(get_ctx(), brand=brand)


@st.cache_data(max_entries=ENTRIES, show_spinner=False)
def kpis(version: int, brand: Scope, since: date | None, until: date | None, today: date) -> spend.Kpis:
    return spend.kpis(get_ctx(), brand=brand, period=_period(since, until), on=today)


@st.cache_data(max_entries=ENTRIES, show_spinner=False)
def breakdown(
    version: int, brand: Scope, dimension: str, since: date | None, until: date | None
) -> list[spend.Slice]:
    return spend.breakdown(get_ctx(), spend.Dimension(dimension), brand=brand, period=_period(since, until))


@st.cache_data(max_entries=ENTRIES, show_spinner=False)
def drill_down(
    version: int, brand: Scope, dimension: str, key: str, since: date | None, until: date | None
) -> list[spend.EditLine]:
    period = _period(since, until)
    return spend.drill_down(get_ctx(), spend.Dimension(dimension), key, brand=brand, period=period)


@st.cache_data(max_entries=ENTRIES, show_spinner=False)
def most_expensive(
    version: int, brand: Scope, since: date | None, until: date | None, limit: int
) -> list[spend.EditLine]:
    return spend.most_expensive(get_ctx(), brand=brand, period=_period(since, until), limit=limit)


@st.cache_data(max_entries=ENTRIES, show_spinner=False)
def burn_down(version: int, brand: Scope, today: date) -> spend.BurnDown:
    return spend.burn_down(get_ctx(), brand=brand, on=today)


@st.cache_data(max_entries=ENTRIES, show_spinner=False)
def audit(
    version: int,
    brand: Scope,
    since: date | None,
    until: date | None,
    actor: str | None,
    action: str | None,
    limit: int,
) -> list[spend.AuditLine]:
    period = _period(since, until)
    return spend.audit(get_ctx(), brand=brand, period=period, actor=actor, action=action, limit=limit)


@st.cache_data(max_entries=ENTRIES, show_spinner=False)
def audit_filters(version: int, brand: Scope) -> tuple[list[str], list[str]]:
    """Everyone and every action the audit view can be filtered by."""
    ctx = get_ctx()
    return spend.audit_actors(ctx, brand=brand), spend.audit_actions(ctx, brand=brand)
