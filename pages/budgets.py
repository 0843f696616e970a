"""Budgets: where each stands, setting one (managers), and edits over budget waiting for approval."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from editing import approvals, budgets, campaigns
from editing.approvals import ApprovalInfo
from pages._common import current_brand, get_ctx, guarded, when
from pages._safe import label, md

LEVELS = {"ok": "✓ ok", "warning": "⚠ over 80 %", "reached": "✖ reached"}


def budget_table(rows: list[budgets.BudgetStatus]) -> None:
    if not rows:
        st.info(
            "No budget is set: edits are not limited. A manager can set one below.", icon=":material/savings:"
        )
        return
    frame = pd.DataFrame(
        [
            {
                "budget": r.label,
                "used": min(r.fraction, 1.0),
                "spent": r.spent_usd,
                "limit": r.limit_usd,
                "left": r.remaining_usd,
                "state": LEVELS[r.level],
                "set by": r.updated_by,
            }
            for r in rows
        ]
    )
    st.dataframe(
        frame,
        hide_index=True,
        width="stretch",
        column_config={
            "budget": st.column_config.TextColumn("Budget", width="large"),
            "used": st.column_config.ProgressColumn("Used", format="percent", min_value=0.0, max_value=1.0),
            "spent": st.column_config.NumberColumn("Spent (held)", format="$%.4f"),
            "limit": st.column_config.NumberColumn("Limit", format="$%.2f"),
            "left": st.column_config.NumberColumn("Left", format="$%.4f"),
        },
    )


def budget_form() -> None:
    ctx, scope = get_ctx(), current_brand()
    brands = campaigns.list_brands(ctx, brand=scope)
    if not brands:
        return
    with st.container(border=True):
        st.markdown("**Set a budget** (managers of the brand)")
        left, right = st.columns(2)
        brand = left.selectbox("Brand", brands, format_func=label, key="budget_brand")
        names = {
            c.campaign_id: c.name for c in campaigns.list_campaigns(ctx, brand=scope) if c.brand == brand
        }
        campaign = right.selectbox(
            "For",
            [None, *names],
            format_func=lambda c: "The whole brand" if c is None else f"Campaign {label(names[c])}",
            key="budget_campaign",
        )
        usd = left.number_input("Limit (USD)", min_value=0.0, max_value=1_000_000.0, value=50.0, step=5.0)
        monthly = right.toggle("Per calendar month (UTC)", value=True, key="budget_monthly")
        if st.button("Save the budget", type="primary", icon=":material/save:", key="budget_save"):
            where = {"brand_name": brand, "campaign_id": campaign, "monthly": monthly}
            done = guarded(budgets.set_budget, ctx, usd, **where, brand=scope, user=ctx.settings.user)
            if done is not None:
                st.toast(f"Saved: {md(done.label)}, ${done.limit_usd:,.2f}", icon=":material/savings:")
                st.rerun()


def approval_card(a: ApprovalInfo) -> None:
    with st.container(border=True):
        st.markdown(
            f"**{label(a.campaign)}** ({label(a.brand)}) · scene {(a.scene_index or 0) + 1:d} · "
            f"estimated ${a.estimated_cost:.4f}"
        )
        st.caption(f"Asked by {label(a.requested_by)}, {md(when(a.requested_at))}")
        st.text(a.instruction)
        st.caption(md(a.reason))
        yes, no = st.columns(2)
        if yes.button("Approve and run it", key=f"approve_{a.approval_id}", type="primary", width="stretch"):
            _decide(a.approval_id, True)
        if no.button("Reject", key=f"reject_{a.approval_id}", width="stretch"):
            _decide(a.approval_id, False)


def _decide(approval_id: str, approve: bool) -> None:
    ctx = get_ctx()
    done = guarded(
        approvals.decide, ctx, approval_id, approve=approve, brand=current_brand(), user=ctx.settings.user
    )
    if done is not None:
        st.toast("Approved: the edit is queued." if approve else "Rejected.", icon=":material/approval:")
        st.rerun()


st.title("Budgets")
st.caption(
    "An edit is refused before anything is spent when its estimate does not fit a budget of its brand "
    "or campaign; quick adjusts and reverts are free and never blocked."
)
budget_table(guarded(budgets.list_budgets, get_ctx(), brand=current_brand()) or [])
budget_form()
st.subheader("Edits waiting for approval")
pending = guarded(approvals.list_approvals, get_ctx(), brand=current_brand()) or []
if not pending:
    st.caption("None.")
for item in pending:
    approval_card(item)
