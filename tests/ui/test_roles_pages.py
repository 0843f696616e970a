"""Signed in, every page shows a person only their brands, and a viewer's edit is refused by
editing/ (not by a hidden button): AppTest with st.user set, on a real database."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from editing import team
from editing.config import load_settings
from editing.context import Atelier
from editing.db.models import EditHistory
from editing.demo import create_demo_campaign
from pages._safe import md
from tests.ui.test_admin import _as

PAGES = ["pages/editor.py", "pages/history.py", "pages/costs.py", "pages/budgets.py", "pages/new_campaign.py"]


@pytest.fixture
def two_brands(app_env: dict[str, str]) -> dict[str, str]:
    ctx = Atelier.open(load_settings())
    try:
        create_demo_campaign(ctx, scenes=1, scene_duration=1.0, brand="Maison A", name="Spring A")
        create_demo_campaign(ctx, scenes=1, scene_duration=1.0, brand="Maison B", name="Secret B")
        team.set_admin(ctx, "local", "boss@example.com")
        team.add_member(ctx, "boss@example.com", "vera@example.com", "Maison A", "viewer")
    finally:
        ctx.close()
    return app_env


def _everything(at: Any) -> str:
    parts = [e.value for kind in ("markdown", "caption", "title", "info", "text") for e in getattr(at, kind)]
    parts += [str(o) for s in at.selectbox for o in s.options]
    parts += [d.value.to_csv() for d in at.dataframe]
    return " ".join(parts)


def test_a_viewer_sees_only_their_brand_on_every_page_and_cannot_edit(two_brands: dict[str, str]) -> None:
    at = _as({"email": "vera@example.com", "name": "Vera"}).run()
    assert not at.exception, at.exception
    assert at.sidebar.selectbox(key="_brand_picker").options == ["Maison A"]
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        seen = _everything(at)
        assert "Secret B" not in seen and "Maison B" not in seen, page
    at.switch_page("pages/editor.py").run()
    at.button(key="edit_0").click().run()
    at.text_area[0].input("make it brighter")
    next(b for b in at.button if b.label == "Edit now").click().run()
    assert any(md("vera@example.com is a viewer of Maison A") in e.value for e in at.error), [
        e.value for e in at.error
    ]
    ctx = Atelier.open(load_settings())
    try:
        with ctx.db.Session() as s:
            assert s.scalar(select(func.count(EditHistory.edit_id))) == 0
    finally:
        ctx.close()


def test_an_admin_sees_every_brand(two_brands: dict[str, str]) -> None:
    at = _as({"email": "boss@example.com", "name": "Boss"}).run()
    assert not at.exception, at.exception
    assert at.sidebar.selectbox(key="_brand_picker").options == ["Maison A", "Maison B"]
