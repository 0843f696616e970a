"""Every page shows hostile text (tests/hostile.py) as the characters typed, in AppTest.

Each Markdown-rendering element's source is parsed the way GitHub-flavoured Markdown
(with autolinks) would render it: no link, image or HTML may come out of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from editing import campaigns
from editing.config import ENV_FIELDS
from editing.context import Atelier
from pages._safe import label, md
from tests import hostile
from tests.conftest import FAST_ENV

ROOT = Path(__file__).resolve().parents[2]
PAGES = [
    "pages/editor.py",
    "pages/new_campaign.py",
    "pages/history.py",
    "pages/costs.py",
    "pages/audit.py",
    "pages/settings.py",
]
TEXT_ELEMENTS = ("markdown", "caption", "title", "header", "subheader", "success", "error", "warning", "info")
LABELLED = ("expander", "button", "selectbox", "multiselect", "text_area", "text_input", "checkbox", "toggle")


@pytest.fixture
def hostile_app(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The app on a database holding the hostile corpus; yields the hostile campaigns' ids."""
    for var in ENV_FIELDS:
        monkeypatch.delenv(var, raising=False)
    env = {**FAST_ENV, "ATELIER_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": database_url}
    env["ATELIER_USER"] = hostile.NAMES[4]
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.chdir(ROOT)
    AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()  # builds the demo
    ctx = Atelier.open()
    try:
        made = hostile.load(ctx, campaigns.list_campaigns(ctx)[0].campaign_id)
    finally:
        ctx.close()
    yield made
    from pages._common import reset_caches

    reset_caches()


def _sources(at: AppTest) -> list[str]:
    out = [str(el.value) for kind in TEXT_ELEMENTS for el in at.get(kind)]
    return out + [str(el.label) for kind in LABELLED for el in at.get(kind)]


def test_every_page_shows_hostile_text_as_text(hostile_app: list[str]) -> None:
    ctx = Atelier.open()
    try:
        brands = {c.campaign_id: c.brand for c in campaigns.list_campaigns(ctx)}
    finally:
        ctx.close()
    seen: list[str] = []
    for cid in hostile_app:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.session_state["brand"], at.session_state["campaign_id"] = brands[cid], cid
        at.run()
        at.button(key="edit_0").click().run()  # the dialog quotes the scene's prompt
        for page in PAGES:
            at.switch_page(page).run()
            assert not at.exception, at.exception
            if page.endswith("history.py"):  # open the details of the edit whose instruction has bidi marks
                table = at.dataframe[0].value.reset_index(drop=True)
                rows = table.index[table["edit_prompt"].str.contains("\u202e", regex=False)].tolist()
                at.session_state["history_table"] = {
                    "selection": {"rows": rows[:1], "columns": [], "cells": []}
                }
                at.run()
                assert not at.exception, at.exception
            sources = _sources(at)
            problems = [(s[:60], hostile.rendered_markup(s)) for s in sources if hostile.rendered_markup(s)]
            assert problems == [], f"{page} renders markup from untrusted text"
            seen += sources
    shown = "\n".join(seen)
    # the hostile strings were on the pages, escaped: instruction, names, prompt, error, user
    assert md(hostile.CORPUS[0]) in shown and md(hostile.CORPUS[2]) in shown
    assert label(hostile.NAMES[7]) in shown and label(hostile.NAMES[4]) in shown
    assert "[U+202E]" in shown.replace("\\", "")
