"""Preview before paying: the rewrite alone, a word diff, the methods with estimates; then the
edit uses exactly the previewed (or hand-corrected) prompt, with no second LLM call."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from editing import campaigns
from editing.context import Atelier
from editing.db.models import Campaign, EditHistory, Preview
from editing.demo import create_demo_campaign
from editing.errors import ConflictError, InputError, NotFoundError, ProviderError
from editing.jobs.queue import EditRequest, submit_edit
from editing.jobs.tasks import edit_scene_job
from editing.preview import DiffPart, preview_edit, word_diff
from tests.fakes.openai_server import ChatReply, FakeOpenAI


def _run(ctx: Atelier, edit_id: str) -> dict[str, Any]:
    """Run an accepted edit in this thread, as a worker would."""
    return edit_scene_job("", 0, "", edit_id=edit_id, ctx=ctx)


def test_word_diff_marks_added_and_removed_words() -> None:
    new = "a bottle on black marble, soft light with mist"
    parts = word_diff("a bottle on white marble, soft light", new)
    assert [p for p in parts if p.kind != "same"] == [
        DiffPart("removed", "white "),
        DiffPart("added", "black "),
        DiffPart("added", "with mist"),
    ]
    assert "".join(p.text for p in parts if p.kind != "removed") == new
    assert word_diff("same", "same") == [DiffPart("same", "same")]


def test_preview_offers_quick_adjust_first_for_grading(ctx: Atelier, demo: str) -> None:
    preview = preview_edit(ctx, demo, 0, "make it brighter")
    assert [o.method for o in preview.options] == ["adjust", "regenerate"]
    adjust = preview.recommended
    assert adjust.method == "adjust" and adjust.estimated_cost == 0.0 and adjust.estimated_seconds == 2.0
    assert "exposure +1 stop" in adjust.does and adjust.within_budget
    assert any(p.kind == "added" and "exposure" in p.text for p in preview.diff)
    data = preview.to_dict()
    assert set(data) >= {"preview_id", "original_prompt", "modified_prompt", "changes_summary", "diff"}
    assert "options" in data
    assert set(data["options"][0]) >= {"method", "estimated_cost", "estimated_seconds"}
    assert campaigns.get_history(ctx, demo) == []  # a preview is not an edit


def test_preview_of_new_content_offers_only_regeneration(ctx: Atelier, demo: str) -> None:
    preview = preview_edit(ctx, demo, 1, "add rose petals")
    assert [o.method for o in preview.options] == ["regenerate"]
    assert preview.options[0].recommended and "adds rose petals" in preview.options[0].note


def test_edit_from_a_preview_uses_its_prompt(ctx: Atelier, demo: str) -> None:
    preview = preview_edit(ctx, demo, 2, "add gold dust")
    response = submit_edit(ctx, demo, 2, request=EditRequest(preview_id=preview.preview_id))
    result = _run(ctx, response.edit_id)
    assert result["modified_prompt"] == preview.modified_prompt
    record = campaigns.get_history(ctx, demo)[0]
    assert record.preview_id == preview.preview_id and record.edit_prompt == "add gold dust"
    assert record.method == "regenerate" and record.changes_summary == preview.changes_summary
    with pytest.raises(ConflictError, match="already used"):
        submit_edit(ctx, demo, 2, request=EditRequest(preview_id=preview.preview_id))


def test_a_hand_corrected_prompt_is_used_exactly(ctx: Atelier, demo: str) -> None:
    preview = preview_edit(ctx, demo, 0, "add rose petals")
    mine = preview.modified_prompt.replace("rose petals", "rose petals and a single white orchid")
    response = submit_edit(ctx, demo, 0, request=EditRequest(preview_id=preview.preview_id, prompt=mine))
    result = _run(ctx, response.edit_id)
    assert result["modified_prompt"] == mine
    assert campaigns.list_scenes(ctx, demo)[0].background_prompt == mine
    assert "corrected by hand" in (result["changes_summary"] or "")


def test_a_quick_adjust_from_a_preview(ctx: Atelier, demo: str) -> None:
    preview = preview_edit(ctx, demo, 1, "a bit warmer")
    response = submit_edit(ctx, demo, 1, request=EditRequest(preview_id=preview.preview_id, method="adjust"))
    assert response.estimated_cost == 0.0
    result = _run(ctx, response.edit_id)
    assert result["cost"] == 0.0 and result["modified_prompt"] == preview.modified_prompt
    assert campaigns.get_history(ctx, demo)[0].method == "adjust"


def _campaign(ctx: Atelier, cid: str) -> tuple[Any, ...]:
    with ctx.db.Session() as s:
        c = s.get(Campaign, campaigns.parse_campaign_id(cid))
        assert c is not None
        rows = s.scalars(select(EditHistory)).all()
        return c.campaign_json, c.version, c.updated_at, len(rows)


@pytest.mark.parametrize(
    ("make", "error", "exc"),
    [
        (lambda pid: ("x", 1, EditRequest(preview_id=pid)), "is for scene 0, not scene 1", InputError),
        (lambda pid: ("", 0, EditRequest(preview_id="not-a-preview")), "not found", NotFoundError),
        (lambda pid: ("", 0, EditRequest(preview_id=pid, prompt="  ")), "cannot be empty", InputError),
        (
            lambda pid: ("", 0, EditRequest(preview_id=pid, prompt="see https://evil.example/x.png")),
            "holds a URL",
            InputError,
        ),
        (lambda pid: ("", 0, EditRequest(preview_id=pid, method="adjust")), "adds rose petals", InputError),
    ],
    ids=["other scene", "unknown preview", "empty prompt", "markup", "adjust content"],
)
def test_bad_submissions_from_a_preview_change_nothing(
    ctx: Atelier, demo: str, make: Any, error: str, exc: type[Exception]
) -> None:
    preview = preview_edit(ctx, demo, 0, "add rose petals")
    before = _campaign(ctx, demo)
    text, scene, request = make(preview.preview_id)
    with pytest.raises(exc, match=error):
        submit_edit(ctx, demo, scene, text, request=request)
    assert _campaign(ctx, demo) == before


def test_a_preview_of_an_older_prompt_is_refused(ctx: Atelier, demo: str) -> None:
    preview = preview_edit(ctx, demo, 0, "add rose petals")
    _run(ctx, submit_edit(ctx, demo, 0, "darker").edit_id)
    with pytest.raises(InputError, match="changed since this preview"):
        submit_edit(ctx, demo, 0, request=EditRequest(preview_id=preview.preview_id))


def test_bad_preview_requests_record_nothing(ctx: Atelier, demo: str) -> None:
    bad = [((0, ""), "cannot be empty"), ((9, "brighter"), "out of range")]
    bad += [((0, "what is the weather"), "weather"), ((0, "trim to 30 s"), "shorter")]
    for args, error in bad:
        with pytest.raises(InputError, match=error):
            preview_edit(ctx, demo, *args)
    with pytest.raises(NotFoundError):
        preview_edit(ctx, demo, 0, "brighter", brand="Another House")
    with ctx.db.Session() as s:
        assert s.scalars(select(Preview)).all() == []


@pytest.fixture
def openai_world(make_settings: Any) -> Iterator[tuple[Atelier, str, FakeOpenAI]]:
    with FakeOpenAI() as openai:
        settings = make_settings(OPENAI_API_KEY=openai.api_key, OPENAI_BASE_URL=openai.base_url)
        ctx = Atelier.open(settings)
        try:
            yield ctx, str(create_demo_campaign(ctx, scenes=2, scene_duration=1.0)), openai
        finally:
            ctx.close()


def test_with_the_real_openai_client_a_preview_is_paid_once(openai_world: Any) -> None:
    ctx, cid, openai = openai_world
    preview = preview_edit(ctx, cid, 0, "add soft morning mist")
    assert len(openai.chat_requests) == 1 and preview.cost > 0 and preview.provider == "openai"
    with ctx.db.Session() as s:
        campaign_cost = float(s.get(Campaign, campaigns.parse_campaign_id(cid)).cost)  # type: ignore[union-attr]
    assert campaign_cost == pytest.approx(preview.cost)  # an unused preview's tokens are spend

    response = submit_edit(ctx, cid, 0, request=EditRequest(preview_id=preview.preview_id))
    assert response.estimated_cost == 0.0  # offline video; the prompt was paid by the preview
    result = _run(ctx, response.edit_id)
    assert len(openai.chat_requests) == 1  # no second LLM call
    assert result["modified_prompt"] == preview.modified_prompt
    record = campaigns.get_history(ctx, cid)[0]
    assert "prompt" not in (record.cost_breakdown or {}) and record.prompt_provider == "openai"
    with ctx.db.Session() as s:
        after = float(s.get(Campaign, campaigns.parse_campaign_id(cid)).cost)  # type: ignore[union-attr]
    assert after == pytest.approx(campaign_cost)  # no second charge


def test_a_garbage_reply_records_its_tokens_and_nothing_else(openai_world: Any) -> None:
    ctx, cid, openai = openai_world
    openai.queue(ChatReply.edit("<img src=x onerror=alert(1)>"), ChatReply.edit("<b>again</b>"))
    with pytest.raises(ProviderError):
        preview_edit(ctx, cid, 1, "add soft morning mist")
    with ctx.db.Session() as s:
        rows = s.scalars(select(Preview)).all()
        assert len(rows) == 1 and rows[0].error and rows[0].cost > 0
        assert s.get(Campaign, campaigns.parse_campaign_id(cid)).cost == rows[0].cost  # type: ignore[union-attr]
    assert campaigns.get_history(ctx, cid) == []
    with pytest.raises(InputError, match="failed"):
        submit_edit(ctx, cid, 1, request=EditRequest(preview_id=str(rows[0].id)))
