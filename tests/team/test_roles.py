"""Roles per brand, checked in editing/ (not by hiding widgets): what a viewer, an editor of
another brand and an unknown user can see and do."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from editing import budgets, campaigns, preview, revert, transfer, versions
from editing.access import access_for
from editing.context import Atelier
from editing.db.models import EditHistory, Preview
from editing.errors import ForbiddenError, NotFoundError
from editing.jobs.queue import active_jobs, submit_edit, submit_group
from tests.team.conftest import add_member


def _counts(ctx: Atelier) -> tuple[int, int]:
    with ctx.db.Session() as s:
        return s.scalar(select(func.count(EditHistory.edit_id))) or 0, s.scalar(
            select(func.count(Preview.id))
        ) or 0


def test_without_users_the_install_is_in_local_mode(team: dict[str, Any]) -> None:
    ctx: Atelier = team["ctx"]
    who = access_for(ctx, None)
    assert who.local and who.admin and who.user == "tester"
    assert campaigns.list_brands(ctx, brand=who) == ["Maison A", "Maison B"]


def test_a_viewer_sees_but_cannot_edit_preview_revert_or_copy(team: dict[str, Any]) -> None:
    ctx: Atelier = team["ctx"]
    add_member(ctx, "boss@atelier.test", None, None, admin=True)
    viewer = add_member(ctx, "vera@atelier.test", "Maison A", "viewer")
    assert [c.name for c in campaigns.list_campaigns(ctx, brand=viewer)] == ["Spring A"]
    assert campaigns.campaign_overview(ctx, team["a"], brand=viewer).name == "Spring A"
    attempts = [
        lambda: submit_edit(ctx, team["a"], 0, "make it brighter", brand=viewer),
        lambda: submit_group(ctx, team["a"], "make it brighter", brand=viewer),
        lambda: preview.preview_edit(ctx, team["a"], 0, "make it brighter", brand=viewer),
        lambda: revert.revert_scene(ctx, team["a"], 0, 1, brand=viewer),
        lambda: transfer.duplicate_campaign(ctx, team["a"], brand=viewer),
        lambda: budgets.set_budget(ctx, 10, brand_name="Maison A", brand=viewer),
    ]
    for attempt in attempts:
        with pytest.raises(ForbiddenError) as err:
            attempt()
        assert "vera@atelier.test is a viewer of Maison A" in str(err.value)
        assert "boss@atelier.test" in str(err.value), "says who can grant the role"
    assert _counts(ctx) == (0, 0)
    assert len(campaigns.list_campaigns(ctx)) == 2, "no copy was made"


def test_an_editor_of_brand_a_sees_nothing_of_brand_b(team: dict[str, Any], tmp_path: Any) -> None:
    ctx: Atelier = team["ctx"]
    editor = add_member(ctx, "eda@atelier.test", "Maison A", "editor")
    assert campaigns.list_brands(ctx, brand=editor) == ["Maison A"]
    assert [c.name for c in campaigns.list_campaigns(ctx, brand=editor)] == ["Spring A"]
    assert [c.campaign for c in campaigns.cost_summary(ctx, brand=editor).campaigns] == ["Spring A"]
    assert all(r.campaign == "Spring A" for r in campaigns.history_rows(ctx, brand=editor))
    b = team["b"]
    reads = [
        lambda: campaigns.campaign_overview(ctx, b, brand=editor),
        lambda: campaigns.get_history(ctx, b, brand=editor),
        lambda: versions.list_scene_versions(ctx, b, 0, brand=editor),
        lambda: versions.list_final_versions(ctx, b, brand=editor),
        lambda: active_jobs(ctx, b, brand=editor),
        lambda: transfer.export_campaign(ctx, b, tmp_path / "b.zip", brand=editor),
        lambda: submit_edit(ctx, b, 0, "make it brighter", brand=editor),
        lambda: budgets.list_budgets(ctx, brand=editor, campaign_id=b),
    ]
    for read in reads:
        with pytest.raises(NotFoundError, match=f"Campaign {b} not found"):
            read()
    assert not (tmp_path / "b.zip").exists()
    # and what the editor does is recorded as the editor, whatever name is passed in
    response = submit_edit(ctx, team["a"], 1, "make it brighter", brand=editor, user="someone-else")
    assert campaigns.get_edit(ctx, response.edit_id).user == "eda@atelier.test"


def test_an_editor_cannot_add_a_brand_or_import_into_one_they_do_not_edit(team: dict[str, Any]) -> None:
    from editing.access import check_create

    ctx: Atelier = team["ctx"]
    editor = add_member(ctx, "eda@atelier.test", "Maison A", "editor")
    check_create(ctx, editor, "Maison A")  # may
    with pytest.raises(ForbiddenError, match="Only an admin can create the brand Maison C"):
        check_create(ctx, editor, "Maison C")
    with pytest.raises(ForbiddenError, match="not a member of Maison B"):
        check_create(ctx, editor, "Maison B")


def test_once_there_are_users_an_unknown_one_is_refused(team: dict[str, Any]) -> None:
    ctx: Atelier = team["ctx"]
    add_member(ctx, "eda@atelier.test", "Maison A", "editor")
    with pytest.raises(ForbiddenError, match=r"nobody@atelier\.test is not a user of Atelier"):
        access_for(ctx, "nobody@atelier.test")
    with pytest.raises(ForbiddenError, match="--user EMAIL"):
        access_for(ctx, None)
    assert access_for(ctx, "  EDA@atelier.test ").user == "eda@atelier.test"


def test_only_an_editor_of_the_brand_creates_from_a_brief(team: dict[str, Any]) -> None:
    from editing import create

    ctx: Atelier = team["ctx"]
    viewer = add_member(ctx, "vera@atelier.test", "Maison A", "viewer")
    editor = add_member(ctx, "eda@atelier.test", "Maison A", "editor")
    brief = create.parse_brief({"brand": "Maison A", "perfume": "Nuit", "template": "tiktok-15s"})
    before = len(campaigns.list_campaigns(ctx))
    with pytest.raises(ForbiddenError, match=r"vera@atelier\.test is a viewer of Maison A"):
        create.start_creation(ctx, brief, brand=viewer)
    elsewhere = create.parse_brief({"brand": "Maison B", "perfume": "Nuit", "template": "tiktok-15s"})
    with pytest.raises(ForbiddenError, match="not a member of Maison B"):
        create.start_creation(ctx, elsewhere, brand=editor)
    assert len(campaigns.list_campaigns(ctx)) == before, "no row was written"
