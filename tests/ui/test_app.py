"""AppTest over every page, and an edit through the dialog, on a real database."""

from __future__ import annotations

from pathlib import Path

import pytest

from editing import campaigns
from editing.context import Atelier
from tests.ui.conftest import _app, _until

ROOT = Path(__file__).resolve().parents[2]
PAGES = [
    "pages/editor.py",
    "pages/new_campaign.py",
    "pages/history.py",
    "pages/costs.py",
    "pages/budgets.py",
    "pages/admin.py",
    "pages/audit.py",
    "pages/settings.py",
]


def test_first_start_creates_demo_and_editor_lists_scenes(app_env: dict[str, str]) -> None:
    at = _app().run()
    assert not at.exception, at.exception
    assert at.title[0].value.startswith("Nuit Dorée")
    assert [b.label for b in at.button if b.key and b.key.startswith("edit_")] == ["Edit"] * 5
    captions = " ".join(c.value for c in at.caption)
    assert "Not edited yet" in captions


@pytest.mark.parametrize("page", PAGES)
def test_every_page_loads(app_env: dict[str, str], page: str) -> None:
    at = _app().run()
    at.switch_page(page).run()
    assert not at.exception, at.exception
    assert at.title, f"{page} drew no title"


@pytest.mark.parametrize("page", PAGES)
def test_the_sidebar_runs_on_every_page_and_rerun(app_env: dict[str, str], page: str) -> None:
    """app.py -> sidebar -> page on every run, as on the server (tests/ui/conftest.py)."""
    at = _app().run()
    at.switch_page(page).run()
    at.run()  # a rerun on the switched page (a widget click) goes through app.py too
    assert not at.exception, at.exception
    assert [s.label for s in at.sidebar.selectbox] == ["Brand", "Campaign"], f"no sidebar on {page}"
    assert any("Atelier" in m.value for m in at.sidebar.markdown)


def test_edit_through_dialog(app_env: dict[str, str]) -> None:
    at = _app().run()
    at.button(key="edit_1").click().run()
    assert not at.exception, at.exception
    at.text_area[0].input("make it brighter and add gold dust")
    submit = next(b for b in at.button if b.label == "Edit now")
    submit.click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    # the job runs on the worker thread; the dialog and the scene card follow it from the database
    _until(at, lambda a: any("Scene 2: Regenerate" in s.value for s in a.success))
    assert at.image, "the before and after frames are shown"
    # the history and costs pages now draw real rows
    at.switch_page("pages/history.py").run()
    assert not at.exception, at.exception
    assert at.dataframe and at.dataframe[0].value["edit_prompt"].tolist() == [
        "make it brighter and add gold dust"
    ]
    assert at.metric[0].value == "1"
    at.switch_page("pages/costs.py").run()
    assert not at.exception, at.exception
    assert at.dataframe[0].value["edits"].tolist() == [1]
    assert any("offline edits are free" in c.value for c in at.caption)  # no spend: no empty chart
    ctx = Atelier.open()
    try:
        cid = campaigns.list_campaigns(ctx)[0].campaign_id
        scene = campaigns.list_scenes(ctx, cid)[1]
        assert scene.edit_count == 1
        assert campaigns.get_history(ctx, cid)[0].edit_prompt == "make it brighter and add gold dust"
    finally:
        ctx.close()


def test_dialog_shows_error_and_changes_nothing(app_env: dict[str, str]) -> None:
    at = _app().run()
    at.button(key="edit_0").click().run()
    at.text_area[0].input("asdf qwerty")
    next(b for b in at.button if b.label == "Edit now").click().run()
    assert not at.exception, at.exception
    refusal = [w.value for w in at.warning]
    assert (
        refusal and refusal[0].startswith("Refused: nothing was spent or changed") and "\n" not in refusal[0]
    )
    ctx = Atelier.open()
    try:
        cid = campaigns.list_campaigns(ctx)[0].campaign_id
        assert campaigns.get_history(ctx, cid) == []
    finally:
        ctx.close()


def test_unreachable_storage_is_reported_and_settings_still_work(
    app_env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("S3_BUCKET_NAME", "atelier-missing")
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    at = _app().run()
    assert not at.exception, at.exception
    assert any("demo campaign could not be created" in e.value for e in at.error)
    at.switch_page("pages/settings.py").run()
    assert not at.exception, at.exception
    failing = [e.value for e in at.error if "storage" in e.value]
    assert failing and "atelier-missing" in failing[0]
    assert any("database" in s.value for s in at.success)
