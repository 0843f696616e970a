"""What the Costs and Audit pages and `costs`/`audit` read: KPIs, breakdowns, the edits behind a slice,
the most expensive edits, budget burn-down (counted as editing.budgets counts), the audit trail,
each within what the caller may see, and their CSV."""

from __future__ import annotations

import csv
import io
import math
import uuid
from collections.abc import Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from editing import budgets, spend
from editing.access import Access
from editing.context import Atelier
from editing.errors import InputError, NotFoundError
from tests.spend.shop import DAY, Shop

D = spend.Dimension
PAID = {"prompt": 0.0012, "video": 0.144}
FORMULA = '=HYPERLINK("http://x")'  # a spreadsheet would run it


@pytest.fixture
def world(shop: Shop) -> Iterator[dict[str, uuid.UUID]]:
    """A month of a small team: a paid regeneration, a quick adjust, a failure, a revert, a running
    edit holding its estimate, another brand's edit, a preview, two budgets and two audit entries."""

    def ago(hours: float) -> dict[str, Any]:
        return {"timestamp": DAY - timedelta(hours=hours)}

    ids = {
        "paid": shop.edit("Spring", cost=Decimal("0.1452"), cost_breakdown=PAID, prompt_provider="openai",
                          video_provider="replicate", duration_seconds=Decimal(150), **ago(5)),
        "adjust": shop.edit("Spring", method="adjust", scene_index=1, user_name="bob", cost=Decimal("0.0004"),
                            cost_breakdown={"prompt": 0.0004}, regenerate_cost=Decimal("0.1456"),
                            video_provider="ffmpeg", duration_seconds=Decimal(2), **ago(4)),
        "failed": shop.edit("Spring", status="failed", cost=Decimal("0.0012"), duration_seconds=Decimal(30),
                            cost_breakdown={"prompt": 0.0012}, edit_prompt=FORMULA, **ago(3)),
        "revert": shop.edit("Spring", method="revert", duration_seconds=Decimal("0.5"), **ago(2)),
        "running": shop.edit("Winter", status="running", reserved=Decimal("0.3"), cost=Decimal("0.0012"),
                             cost_breakdown={"prompt": 0.0012}, **ago(1)),
        "other": shop.edit("Noir", user_name="zoe", cost=Decimal("0.5"), cost_breakdown={"video": 0.5},
                           video_provider="replicate", **ago(0)),
    }  # fmt: skip
    shop.preview("Spring", created_at=DAY - 90 * timedelta(minutes=1))  # bob, scene 2 (showcase), $0.0004
    shop.budget("Spring", "1.00")  # Maison A, monthly
    shop.budget("Spring", "0.50", period="total", whole_brand=False)
    shop.audit("Spring", "budget.set", usd=1.0)
    shop.audit("Noir", "approval.approve", actor="max@maison.example")
    yield ids


SPEND_A = 0.1452 + 0.0004 + 0.0012 + 0.0012 + 0.0004  # Spring's edits, Winter's running edit, the preview
TODAY = DAY.date()


def test_kpis(ctx: Atelier, world: Any) -> None:
    k = spend.kpis(ctx, on=TODAY)
    assert (k.edits, k.completed, k.failed, k.previews) == (6, 4, 1, 1)
    assert math.isclose(k.spend, SPEND_A + 0.5) and math.isclose(k.failed_spend, 0.0012)
    assert math.isclose(k.saved, 0.1456 - 0.0004)  # what regenerating would have cost, minus the adjust
    assert k.cost_per_completed is not None and math.isclose(k.cost_per_completed, k.spend / 4)
    assert k.median_seconds is not None and math.isclose(k.median_seconds, 1.5, rel_tol=0.026)
    assert (k.month, k.month_budget) == ("2026-11", 1.0) and math.isclose(k.month_spend, k.spend)
    b = spend.kpis(ctx, brand="Maison B", on=TODAY)
    assert (b.edits, b.spend, b.month_budget, b.month_budget_used) == (1, 0.5, None, None)
    before = spend.kpis(ctx, period=spend.Period(until=TODAY - timedelta(days=1)), on=TODAY)
    assert (before.edits, before.spend, before.median_seconds) == (0, 0.0, None)


def test_breakdowns(ctx: Atelier, world: Any, shop: Shop) -> None:
    by = {d: {s.label: s for s in spend.breakdown(ctx, d)} for d in D}
    assert list(by[D.BRAND]) == ["Maison B", "Maison A"]  # costliest first
    assert by[D.BRAND]["Maison A"].key == str(shop.brand_id("Spring"))
    assert by[D.CAMPAIGN]["Spring"].key == str(shop.campaigns["Spring"])
    assert (by[D.USER]["bob"].edits, by[D.USER]["bob"].previews) == (1, 1)
    assert set(by[D.METHOD]) == {"regenerate", "adjust", "revert", "preview"}
    assert set(by[D.STATUS]) == {"completed", "failed", "running", "preview"}
    assert set(by[D.SCENE_ROLE]) == {"hook", "showcase", "detail"}
    assert set(by[D.VIDEO_PROVIDER]) == {"replicate", "ffmpeg", "none"}  # none: no video step ran
    assert list(by[D.DAY]) == [str(TODAY)]
    steps = by[D.STEP]
    assert math.isclose(steps["prompt"].spend, 0.0012 + 0.0004 + 0.0012 + 0.0012 + 0.0004)  # with the preview
    assert math.isclose(steps["video"].spend, 0.644) and steps["video"].edits == 2
    assert math.isclose(sum(s.spend for s in steps.values()), SPEND_A + 0.5)
    assert by[D.CAMPAIGN]["Spring"].avg_seconds == round((150 + 2 + 0.5) / 3, 2)
    assert spend.breakdown(ctx, D.CAMPAIGN, period=spend.Period(TODAY + timedelta(days=1))) == []


def test_drill_down_lists_the_rows_behind_each_slice(ctx: Atelier, world: Any, shop: Shop) -> None:
    for dimension in D:
        for s in spend.breakdown(ctx, dimension):
            lines = spend.drill_down(ctx, dimension, s.key)
            if dimension is D.STEP:  # a step's edits are those that ran it
                continue
            assert len(lines) == s.edits + s.previews, (dimension, s.key)
            assert math.isclose(sum(e.cost for e in lines), s.spend, abs_tol=1e-9), (dimension, s.key)
    ann = spend.drill_down(ctx, D.USER, "ann")
    assert [e.id for e in ann] == [
        str(world[k]) for k in ("running", "revert", "failed", "paid")
    ]  # newest first
    showcase = spend.drill_down(ctx, D.SCENE_ROLE, "showcase")
    assert {(e.kind, e.method) for e in showcase} == {("edit", "adjust"), ("preview", "preview")}
    video = spend.drill_down(ctx, D.STEP, "video")
    assert {e.id for e in video} == {str(world["paid"]), str(world["other"])}
    with pytest.raises(InputError, match="YYYY-MM-DD"):
        spend.drill_down(ctx, D.DAY, "yesterday")
    with pytest.raises(NotFoundError):
        spend.drill_down(ctx, D.CAMPAIGN, "not-an-id")


def test_most_expensive(ctx: Atelier, world: Any) -> None:
    top = spend.most_expensive(ctx, limit=3)
    assert [e.id for e in top] == [str(world["other"]), str(world["paid"]), str(world["running"])]
    assert (top[1].prompt_cost, top[1].video_cost, top[1].seconds) == (0.0012, 0.144, 150.0)
    assert [e.id for e in spend.most_expensive(ctx, brand="Maison B")] == [str(world["other"])]


def test_burn_down_counts_as_budgets_are_enforced(ctx: Atelier, world: Any) -> None:
    burn = spend.burn_down(ctx, on=TODAY)
    monthly, total = burn.budgets
    assert (monthly.brand, monthly.campaign, monthly.period, monthly.start) == (
        "Maison A",
        "",
        "monthly",
        "2026-11-01",
    )
    assert math.isclose(monthly.spent, SPEND_A) and math.isclose(monthly.held, 0.3 - 0.0012)
    assert math.isclose(monthly.remaining, 1.0 - SPEND_A - monthly.held)
    assert (total.campaign, total.period, total.start, total.held) == ("Spring", "total", None, 0.0)
    assert math.isclose(total.spent, 0.1452 + 0.0004 + 0.0012 + 0.0004)
    line = [p for p in burn.points if p.period == "monthly"]
    assert [p.day for p in line] == [
        f"2026-11-{d:02d}" for d in range(1, 21)
    ]  # every day of the month to date
    assert line[0].spent_to_date == 0.0 and math.isclose(line[-1].spent_to_date, monthly.spent)
    # the same figures the budget check refuses an edit with (this month: the world is dated today)
    now = spend.burn_down(ctx)
    enforced = {(b.campaign or "", b.period): b.spent_usd for b in budgets.list_budgets(ctx)}
    for b in now.budgets:
        assert math.isclose(b.spent + b.held, enforced[(b.campaign, b.period)], abs_tol=1e-9), b
    assert spend.burn_down(ctx, brand="Maison B") == spend.BurnDown((), ())


def test_audit_trail(ctx: Atelier, world: Any) -> None:
    lines = spend.audit(ctx)
    assert [a.at for a in lines] == sorted((a.at for a in lines), reverse=True)
    assert {a.action for a in lines} == {"edit", "revert", "preview", "budget.set", "approval.approve"}
    assert len(lines) == 6 + 1 + 2
    set_budget = next(a for a in lines if a.action == "budget.set")
    assert (set_budget.actor, set_budget.brand, set_budget.campaign, set_budget.details, set_budget.cost) == (
        "mia@maison.example", "Maison A", "Spring", '{"usd": 1.0}', None,
    )  # fmt: skip
    assert [a.target for a in spend.audit(ctx, action="revert")] == ["scene 1"]
    assert {a.actor for a in spend.audit(ctx, actor="bob")} == {"bob"}
    assert len(spend.audit(ctx, actor="bob")) == 2  # the adjust and the preview
    assert sorted(a.action for a in spend.audit(ctx, brand="Maison B")) == ["approval.approve", "edit"]
    assert spend.audit(ctx, period=spend.Period(TODAY + timedelta(days=1))) == []
    assert len(spend.audit(ctx, limit=3)) == 3
    assert {"ann", "bob", "zoe", "mia@maison.example"} <= set(spend.audit_actors(ctx))
    assert spend.audit_actions(ctx, brand="Maison A")[-1] == "budget.set"


def test_a_person_sees_only_their_brands(ctx: Atelier, world: Any, shop: Shop) -> None:
    viewer = Access(user="vic@maison.example", roles={shop.brand_id("Noir"): "viewer"})
    assert [s.label for s in spend.breakdown(ctx, D.BRAND, brand=viewer)] == ["Maison B"]
    assert spend.kpis(ctx, brand=viewer).edits == 1
    assert [e.id for e in spend.most_expensive(ctx, brand=viewer)] == [str(world["other"])]
    assert spend.drill_down(ctx, D.USER, "ann", brand=viewer) == []
    assert {a.brand for a in spend.audit(ctx, brand=viewer)} == {"Maison B"}
    assert spend.burn_down(ctx, brand=viewer).budgets == ()
    nobody = Access(user="new@maison.example")
    assert spend.breakdown(ctx, D.CAMPAIGN, brand=nobody) == [] and spend.audit(ctx, brand=nobody) == []
    assert spend.breakdown(ctx, D.USER, brand=viewer.narrowed("Maison A")) == []


def test_csv_is_the_records_and_never_a_formula(ctx: Atelier, world: Any) -> None:
    lines = spend.drill_down(ctx, D.STATUS, "failed")
    text = spend.to_csv(lines, spend.EditLine)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == [f for f in spend.EditLine.__dataclass_fields__]
    assert rows[0]["instruction"] == "'" + FORMULA and rows[0]["cost"] == "0.0012"
    assert spend.to_csv([], spend.Slice).splitlines() == [",".join(spend.Slice.__dataclass_fields__)]
