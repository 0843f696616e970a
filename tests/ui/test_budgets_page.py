"""The budget flow in the app, with a paid video model (the fake Replicate): an edit over budget is
refused in the dialog, sent for approval, approved on the Budgets page, and runs once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from editing import budgets
from editing.context import Atelier
from editing.db.models import Approval, EditHistory
from tests.fakes.replicate_server import FakeReplicate, make_tiny_mp4
from tests.ui.conftest import _app, _until


@pytest.fixture
def paid_env(app_env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeReplicate]:
    with FakeReplicate(video=make_tiny_mp4(seconds=2.0, size=(144, 256), fps=24)) as fake:
        env = {"REPLICATE_API_TOKEN": fake.api_token or "", "REPLICATE_BASE_URL": fake.base_url}
        env |= {"TRUSTED_MEDIA_HOSTS": fake.host, "REPLICATE_POLL_INTERVAL": "0.02"}
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        yield fake


def _button(at: Any, text: str) -> Any:
    return next(b for b in at.button if b.label == text)


def test_over_budget_edit_is_asked_approved_and_run_once(paid_env: FakeReplicate) -> None:
    at = _app().run()
    assert not at.exception, at.exception
    at.switch_page("pages/budgets.py").run()
    assert any("No budget is set" in i.value for i in at.info)
    at.number_input[0].set_value(0.01).run()
    at.button(key="budget_save").click().run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    ctx = Atelier.open()
    try:
        (status,) = budgets.list_budgets(ctx)
        assert (status.limit_usd, status.period, status.campaign_id) == (0.01, "monthly", None)
        creates = len(paid_env.creates)

        at.switch_page("pages/editor.py").run()
        at.button(key="edit_1").click().run()
        at.text_area[0].input("add rose petals falling")
        _button(at, "Edit now").click().run()
        assert any("Over the monthly budget of brand" in e.value for e in at.error), [
            e.value for e in at.error
        ]
        at.button(key="ask_approval").click().run()
        assert not at.exception, at.exception
        with ctx.db.Session() as s:
            assert s.scalars(select(EditHistory)).all() == [], "nothing was accepted"
            (approval,) = s.scalars(select(Approval)).all()
        assert approval.status == "pending" and len(paid_env.creates) == creates, "no prediction"

        at.switch_page("pages/budgets.py").run()
        assert any("add rose petals falling" in t.value for t in at.text)
        at.button(key=f"approve_{approval.id}").click().run()
        assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])

        def done(_: Any) -> bool:
            with ctx.db.Session() as s:
                rows = s.scalars(select(EditHistory)).all()
            return len(rows) == 1 and rows[0].status == "completed"

        _until(at, done, timeout=90)
        with ctx.db.Session() as s:
            (row,) = s.scalars(select(EditHistory)).all()
        assert row.approval_id == approval.id and len(paid_env.creates) == creates + 1
    finally:
        ctx.close()
