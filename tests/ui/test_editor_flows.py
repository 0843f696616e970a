"""The editor's flows through AppTest on a real database: preview → quick adjust → compare,
versions and revert, undo, edit all scenes, continuity match, the polish items."""

from __future__ import annotations

from typing import Any

from streamlit.testing.v1 import AppTest

from editing import campaigns, versions
from editing.context import Atelier
from editing.domain import MAX_INSTRUCTION_CHARS
from pages._safe import label
from tests.ui.conftest import _app, _until


def _button(at: AppTest, text: str) -> Any:
    return next(b for b in at.button if b.label == text)


def _campaign() -> tuple[Atelier, str]:
    ctx = Atelier.open()
    return ctx, campaigns.list_campaigns(ctx)[0].campaign_id


def test_preview_then_quick_adjust_then_compare_and_revert(app_env: dict[str, str]) -> None:
    at = _app().run()
    at.button(key="edit_2").click().run()
    at.text_area[0].input("a bit warmer")
    _button(at, "Preview").click().run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    # the diff, the summary, the prompt to correct and the methods with their estimates
    assert any(":green[" in m.value for m in at.markdown), "added words are marked"
    radio = at.radio[0]
    assert radio.value == "adjust" and radio.options[0].startswith("Quick adjust — $0.0000")
    assert any(o.startswith("Regenerate — $") for o in radio.options)
    assert at.text_area[0].value.startswith(at.text_area[0].value[:20])  # the rewritten prompt, editable
    _button(at, "Generate").click().run()
    _until(at, lambda a: any("Scene 3: Quick adjust" in s.value for s in a.success))
    assert len(at.get("video")) >= 5 and len(at.get("image")) >= 2, "scene and ad before and after, frames"

    ctx, cid = _campaign()
    try:
        listed = versions.list_scene_versions(ctx, cid, 2)
        assert [v.method for v in listed] == ["original", "adjust"]
        at.button(key="versions_2").click().run()
        assert not at.exception, at.exception
        at.button(key="use_2_1").click().run()
        assert not at.exception, at.exception
        assert any("Scene 3: Revert" in s.value for s in at.success)
        listed = versions.list_scene_versions(ctx, cid, 2)
        assert [v.method for v in listed] == ["original", "adjust", "revert"]
        assert listed[-1].video_key == listed[0].video_key
        at.button(key="undo_2").click().run()  # undo the revert: back to the adjusted clip
        assert not at.exception, at.exception
        assert versions.list_scene_versions(ctx, cid, 2)[-1].video_key == listed[1].video_key
    finally:
        ctx.close()


def test_edit_all_scenes_previews_each_then_renders_once(app_env: dict[str, str]) -> None:
    at = _app().run()
    _button(at, "Edit all scenes").click().run()
    at.text_area[0].input("slow motion throughout")
    _button(at, "Preview every scene").click().run()
    assert not at.exception, at.exception
    assert any("then ONE render of the final ad" in i.value for i in at.info)
    ctx, cid = _campaign()
    try:
        count = len(campaigns.list_scenes(ctx, cid))
        _button(at, f"Edit {count:d} scenes").click().run()
        _until(at, lambda a: any("Every scene edited, one final render" in s.value for s in a.success))
        history = campaigns.get_history(ctx, cid)
        assert len(history) == count and len({r.group_id for r in history}) == 1
        assert {r.method for r in history} == {"adjust"}
        assert len(versions.list_final_versions(ctx, cid)) == 2
    finally:
        ctx.close()


def test_refusals_and_long_text_change_nothing(app_env: dict[str, str]) -> None:
    at = _app().run()
    at.button(key="edit_0").click().run()
    at.text_area[0].input("x" * (MAX_INSTRUCTION_CHARS + 1))
    _button(at, "Preview").click().run()
    assert any("the limit is 2,000" in w.value for w in at.warning), "a long paste warns, not cut silently"
    assert at.text_area[0].value == "x" * (MAX_INSTRUCTION_CHARS + 1)  # the text is still there
    at.text_area[0].input("trim to 30 seconds")
    _button(at, "Preview").click().run()
    refusal = [w.value for w in at.warning if w.value.startswith("Refused: nothing was spent or changed")]
    assert refusal and "shorter" in refusal[0]
    assert not at.error
    ctx, cid = _campaign()
    try:
        assert campaigns.get_history(ctx, cid) == []
    finally:
        ctx.close()


def test_editor_shows_style_numbers_from_one_and_downloads(app_env: dict[str, str]) -> None:
    at = _app().run()
    assert not at.exception, at.exception
    swatches = [c for c in at.color_picker]
    assert [c.label for c in swatches] == ["gold", "amber", "ivory", "deep plum"] and swatches[
        0
    ].value == "#ffd700"
    assert any(m.value.startswith("**Lighting direction:**") for m in at.markdown)
    assert not any('"color_palette"' in str(j.value) for j in at.json), "no raw JSON"
    assert any(m.value.startswith("**1 · Hook**") for m in at.markdown), "scenes count from 1"
    assert at.get("download_button"), "the final ad can be downloaded"


def test_a_scene_that_stands_out_is_flagged_and_matched(app_env: dict[str, str]) -> None:
    from editing.pipeline import edit_scene

    at = _app().run()
    ctx, cid = _campaign()
    try:
        edit_scene(ctx, cid, 1, "much brighter")
        edit_scene(ctx, cid, 1, "much brighter")
        at.run()
        assert any("Stands out: much brighter" in w.value for w in at.warning)
        at.button(key="match_1").click().run()
        _until(at, lambda a: any("Scene 2: Quick adjust: exposure -" in s.value for s in a.success)
               or any("Scene 2: Quick adjust" in s.value for s in a.success))  # fmt: skip
        at.run()
        assert not any("Stands out" in w.value for w in at.warning)
        assert campaigns.get_history(ctx, cid)[-1].cost == 0.0
    finally:
        ctx.close()


def test_history_shows_key_columns_and_a_row_opens_its_details_and_compare(app_env: dict[str, str]) -> None:
    from editing.pipeline import edit_scene

    at = _app().run()
    ctx, cid = _campaign()
    try:
        edit_scene(ctx, cid, 0, "cooler")
    finally:
        ctx.close()
    at.switch_page("pages/history.py").run()
    assert not at.exception, at.exception
    shown = list(at.dataframe[0].proto.column_order)
    assert shown == ["when", "campaign", "scene", "edit_prompt", "method", "status", "cost", "elapsed_s"]
    assert any(c.value.startswith("Showing: completed") for c in at.caption)
    at.session_state["history_table"] = {"selection": {"rows": [0], "columns": [], "cells": []}}
    at.run()
    assert not at.exception, at.exception
    assert any("scene 1 · adjust · completed" in m.value for m in at.markdown)
    assert len(at.get("video")) == 4, "the scene and the ad, before and after"


def test_duplicate_makes_a_copy_and_opens_it_and_names_are_whole(app_env: dict[str, str]) -> None:
    at = _app().run()
    ctx, _ = _campaign()
    try:
        original = campaigns.list_campaigns(ctx)[0].name
        _button(at, "Duplicate").click().run()
        assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
        assert sorted(r.name for r in campaigns.list_campaigns(ctx)) == [original, f"{original} (copy)"]
    finally:
        ctx.close()
    assert at.title[0].value == label(f"{original} (copy)"), "the copy is what the editor now shows"
    picker = at.sidebar.selectbox(key="_campaign_id_picker")
    assert sorted(picker.options) == [original, f"{original} (copy)"], "names whole, no ids"
