"""The Costs, Audit and History pages over a shop's spend, in AppTest: every view draws, a filter or a
click on a bar re-reads only what changed, and a committed edit shows on the next run (never stale)."""

from __future__ import annotations

from decimal import Decimal

from streamlit.testing.v1 import AppTest

from editing.context import Atelier
from tests.spend.shop import DAY, Shop
from tests.ui.conftest import _app


def _shop(ctx: Atelier) -> Shop:
    shop = Shop(ctx)
    shop.campaign("Maison A", "Spring")
    shop.campaign("Maison A", "Winter", roles=("detail", "lifestyle"))
    shop.campaign("Maison B", "Noir")
    shop.edit("Spring", cost=Decimal("0.1452"), cost_breakdown={"prompt": 0.0012, "video": 0.144},
              video_provider="replicate", duration_seconds=Decimal(150))  # fmt: skip
    shop.edit("Winter", user_name="bob", method="adjust", regenerate_cost=Decimal("0.1452"))
    shop.edit("Noir", user_name="zoe", cost=Decimal("0.5"))
    shop.preview("Spring")
    shop.budget("Spring", "2")
    shop.budget("Spring", "1", period="total", whole_brand=False)
    shop.audit("Spring", "budget.set", usd=2.0)
    return shop


def _open(page: str) -> AppTest:
    at = _app()
    at.session_state["brand"] = "Maison A"
    at.switch_page(page).run()  # straight to the page: the shop's campaigns have no media
    assert not at.exception, at.exception
    return at


def _metric(at: AppTest, label: str) -> str:
    return next(str(m.value) for m in at.metric if m.label == label)


def test_costs_page(app_env: dict[str, str], ctx: Atelier) -> None:
    shop = _shop(ctx)
    at = _open("pages/costs.py")
    assert _metric(at, "Edits") == "2" and _metric(at, "Spend on failed edits") == "$0.0000"
    assert _metric(at, "Quick adjusts saved") == "$0.15"
    by_campaign = at.dataframe[0].value
    assert by_campaign["label"].tolist() == ["Spring", "Winter"]  # Maison A's, costliest first
    assert len(at.get("vega_lite_chart")) >= 2
    drill = at.selectbox(key="costs_drill")
    assert drill.value == str(shop.campaigns["Spring"])
    assert sorted(at.dataframe[1].value["instruction"]) == ["brighter", "warmer"]  # the edit, the preview

    at.selectbox(key="costs_dimension").select("user").run()
    assert not at.exception, at.exception
    assert at.dataframe[0].value["label"].tolist() == ["ann", "bob"]
    at.session_state["costs_chart"] = {"selection": {"pick": [{"key": "bob"}]}}  # a click on bob's bar
    at.run()
    assert at.selectbox(key="costs_drill").value == "bob"
    assert sorted(at.dataframe[1].value["method"]) == ["adjust", "preview"]

    budgets = next(d.value for d in at.dataframe if "limit_usd" in d.value)
    rows = budgets[["campaign", "period", "limit_usd"]].values.tolist()
    assert rows == [["", "monthly", 2.0], ["Spring", "total", 1.0]]
    labels = [b.label for b in at.get("download_button")]
    assert labels.count("Download CSV") == 4 and "Download burn-down CSV" in labels

    shop.edit("Spring", timestamp=DAY, cost=Decimal("0.01"))  # committed elsewhere: the next run shows it
    at.run()
    assert _metric(at, "Edits") == "3"


def test_audit_and_history_pages(app_env: dict[str, str], ctx: Atelier) -> None:
    shop = _shop(ctx)
    at = _open("pages/audit.py")
    table = at.dataframe[0].value
    assert set(table["action"]) == {"edit", "preview", "budget.set"} and "zoe" not in set(table["actor"])
    at.selectbox(key="audit_action").select("budget.set").run()
    assert at.dataframe[0].value["details"].tolist() == ['{"usd": 2.0}']
    at.selectbox(key="audit_actor").select("bob").run()
    assert not at.exception and at.info, "bob set no budget"

    at.switch_page("pages/history.py").run()
    assert len(at.dataframe[0].value) == 2
    shop.edit("Winter", edit_prompt="slow motion")
    at.run()
    assert at.dataframe[0].value["edit_prompt"].tolist()[0] == "slow motion"
