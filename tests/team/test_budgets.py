"""Budgets: held when an edit is accepted, refused before any provider call, exactly as many
concurrent edits as fit, approvals by a manager, free edits never blocked."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import func, select

from editing import approvals, budgets, preview
from editing.context import Atelier
from editing.db.models import AuditEntry, EditHistory
from editing.errors import BudgetExceededError, ForbiddenError, InputError
from editing.jobs.queue import EditRequest, submit_edit
from tests.fakes.replicate_server import FakeReplicate
from tests.team.conftest import add_member

REGENERATE = 0.072  # seedance bills at least 2 s at $0.036


def _rows(ctx: Atelier) -> list[EditHistory]:
    with ctx.db.Session() as s:
        return list(s.scalars(select(EditHistory).order_by(EditHistory.timestamp)))


def test_an_edit_over_budget_is_refused_before_any_provider_call(
    team: dict[str, Any], replicate: FakeReplicate
) -> None:
    ctx: Atelier = team["ctx"]
    budgets.set_budget(ctx, "0.10", brand_name="Maison A", monthly=True, user="boss")
    first = submit_edit(ctx, team["a"], 0, "add rose petals", request=EditRequest(method="regenerate"))
    assert first.estimated_cost == pytest.approx(REGENERATE)
    with pytest.raises(BudgetExceededError) as err:
        submit_edit(ctx, team["a"], 1, "add rose petals", request=EditRequest(method="regenerate"))
    assert str(err.value).startswith(
        "Over the monthly budget of brand Maison A: $0.03 left of $0.10, this edit is estimated at $0.0720"
    )
    assert "A manager can raise the budget or approve this edit" in str(err.value)
    assert len(_rows(ctx)) == 1 and replicate.creates == [], "no row, no prediction"
    # a quick adjust is free: never blocked, even at a budget of $0
    budgets.set_budget(ctx, 0, brand_name="Maison A", monthly=True, user="boss")
    adjust = submit_edit(ctx, team["a"], 2, "make it brighter", request=EditRequest(method="adjust"))
    assert adjust.estimated_cost == 0.0 and len(_rows(ctx)) == 2


def test_a_campaign_budget_and_a_total_budget_both_hold(team: dict[str, Any]) -> None:
    ctx: Atelier = team["ctx"]
    budgets.set_budget(ctx, 1, brand_name="Maison A", user="boss")  # total: plenty
    budgets.set_budget(ctx, "0.08", campaign_id=team["a"], user="boss")
    submit_edit(ctx, team["a"], 0, "add rose petals", request=EditRequest(method="regenerate"))
    with pytest.raises(BudgetExceededError, match="total budget of campaign Spring A"):
        submit_edit(ctx, team["a"], 1, "add rose petals", request=EditRequest(method="regenerate"))
    shown = {b.label: b for b in budgets.list_budgets(ctx, campaign_id=team["a"])}
    assert shown["total budget of campaign Spring A"].spent_usd == pytest.approx(REGENERATE)
    assert shown["total budget of campaign Spring A"].level == "warning", "90 % held: a warning"
    assert [w.label for w in budgets.warnings(ctx, team["a"])] == ["total budget of campaign Spring A"]


def test_eight_concurrent_edits_against_a_budget_that_fits_five(team: dict[str, Any]) -> None:
    ctx: Atelier = team["ctx"]
    budgets.set_budget(ctx, "0.40", brand_name="Maison A", monthly=True, user="boss")  # 5 × 0.072 = 0.36
    barrier, results = threading.Barrier(8), {}

    def one(index: int) -> None:
        barrier.wait()
        try:
            submit_edit(ctx, team["a"], index, "add rose petals", request=EditRequest(method="regenerate"))
            results[index] = "accepted"
        except BudgetExceededError:
            results[index] = "refused"

    threads = [threading.Thread(target=one, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results.values()) == ["accepted"] * 5 + ["refused"] * 3, results
    held = sum((r.reserved for r in _rows(ctx)), Decimal(0))
    assert held == Decimal("0.36") and held <= Decimal("0.40"), "never above the budget"


def test_a_manager_approves_one_edit_over_budget(team: dict[str, Any]) -> None:
    ctx: Atelier = team["ctx"]
    boss = add_member(ctx, "boss@atelier.test", "Maison A", "manager")
    eda = add_member(ctx, "eda@atelier.test", "Maison A", "editor")
    budgets.set_budget(ctx, "0.01", brand_name="Maison A", monthly=True, brand=boss)
    request = EditRequest(method="regenerate")
    with pytest.raises(BudgetExceededError) as refused:
        submit_edit(ctx, team["a"], 3, "add rose petals", brand=eda, request=request)
    asked = approvals.request_approval(
        ctx,
        team["a"],
        3,
        "add rose petals",
        reason=str(refused.value),
        brand=eda,
        request={"method": "regenerate"},
    )
    assert asked.status == "pending" and asked.estimated_cost == pytest.approx(REGENERATE)
    with pytest.raises(ForbiddenError, match="approving an edit over budget needs the manager role"):
        approvals.decide(ctx, asked.approval_id, approve=True, brand=eda)
    assert [a.approval_id for a in approvals.list_approvals(ctx, brand=boss)] == [asked.approval_id]
    info, response = approvals.decide(ctx, asked.approval_id, approve=True, brand=boss)
    assert info.status == "used" and response is not None and info.edit_id == response.edit_id
    row = next(r for r in _rows(ctx) if str(r.edit_id) == response.edit_id)
    assert row.user_name == "eda@atelier.test" and row.approval_id is not None and row.reserved > 0
    with pytest.raises(InputError, match="was used already"):
        approvals.decide(ctx, asked.approval_id, approve=True, brand=boss)
    with pytest.raises(BudgetExceededError):  # the approval was for that one edit
        submit_edit(ctx, team["a"], 4, "add rose petals", brand=eda, request=request)
    with ctx.db.Session() as s:
        actions = list(s.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions == ["budget.set", "approval.request", "approval.approved"]


def test_a_preview_is_refused_when_even_its_rewrite_does_not_fit(team: dict[str, Any]) -> None:
    ctx: Atelier = team["ctx"]
    budgets.set_budget(ctx, "0.10", brand_name="Maison A", monthly=True, user="boss")
    shown = preview.preview_edit(ctx, team["a"], 0, "add rose petals")  # offline rewrite: $0
    regenerate = next(o for o in shown.options if o.method == "regenerate")
    assert regenerate.within_budget
    submit_edit(ctx, team["a"], 1, "add rose petals", request=EditRequest(method="regenerate"))
    again = preview.preview_edit(ctx, team["a"], 0, "add rose petals")
    assert not next(o for o in again.options if o.method == "regenerate").within_budget


@pytest.mark.parametrize("usd", ["-1", "abc", "1e12", "nan"])
def test_bad_amounts_are_refused_and_change_nothing(team: dict[str, Any], usd: str) -> None:
    ctx: Atelier = team["ctx"]
    with pytest.raises(InputError):
        budgets.set_budget(ctx, usd, brand_name="Maison A", user="boss")
    assert budgets.list_budgets(ctx) == []
    with ctx.db.Session() as s:
        assert s.scalar(select(func.count(AuditEntry.id))) == 0
