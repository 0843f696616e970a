"""AppTest of sign-in and the Admin page: local mode, the sign-in screen, the first user, a manager,
someone who may not manage members. The real sign-in round trip is tests/ui/test_browser_sign_in.py."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from editing import team
from editing.config import load_settings
from editing.context import Atelier
from editing.db.models import AuditEntry, EditHistory
from editing.demo import create_demo_campaign
from tests.ui.conftest import _app

AUTH = {
    "auth": {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "test-cookie-secret",
        "client_id": "atelier",
        "client_secret": "secret",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
    }
}


@pytest.fixture
def small_demo(app_env: dict[str, str]) -> dict[str, str]:
    """A one-scene demo made beforehand, so the app's first start has nothing to build."""
    ctx = Atelier.open(load_settings())
    try:
        create_demo_campaign(ctx, scenes=1, scene_duration=1.0)
    finally:
        ctx.close()
    return app_env


def _as(user: dict[str, Any] | None) -> Any:
    at = _app()
    at.secrets = dict(AUTH)
    at.user = {"is_logged_in": False} if user is None else {"is_logged_in": True, **user}
    return at


def _sidebar_text(at: Any) -> str:
    return " ".join(c.value for c in at.sidebar.caption)


def test_local_mode_says_so_and_the_local_user_is_admin(small_demo: dict[str, str]) -> None:
    at = _app().run()
    assert "Local mode — no sign-in" in _sidebar_text(at)
    assert not [b for b in at.sidebar.button if b.label == "Sign out"]
    at.switch_page("pages/admin.py").run()
    assert not at.exception, at.exception
    assert at.title[0].value == "Admin"
    at.text_input(key="member_email").input("Ben@Example.com")
    at.selectbox(key="member_role").select("manager")
    next(b for b in at.button if b.label == "Save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    shown = at.success[0].value.replace("\\", "").replace("\u2060", "")  # escapes, the anti-autolink joiner
    assert "ben@example.com is manager of Maison Lumière" in shown
    table = at.dataframe[0].value
    assert list(zip(table["email"], table["role"], strict=True)) == [("ben@example.com", "manager")]
    at.text_input(key="member_email").input("not an email")
    next(b for b in at.button if b.label == "Save").click().run()
    assert "is not an email address" in at.error[0].value
    assert len(at.dataframe[0].value) == 1


def test_signed_out_browser_sees_only_the_sign_in_screen(app_env: dict[str, str]) -> None:
    at = _as(None).run()
    assert not at.exception, at.exception
    assert at.title[0].value == "✦ Atelier"
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.sidebar.selectbox, "no brand or campaign before signing in"


def test_an_identity_atelier_cannot_use_is_refused(app_env: dict[str, str]) -> None:
    unverified = {"email": "eve@example.com", "email_verified": False}
    for claims, why in (({"name": "No Email"}, "is not an email address"), (unverified, "has not verified")):
        at = _as(claims).run()
        assert not at.exception, at.exception
        assert why in at.error[0].value.replace("\\", "")
        assert [b.label for b in at.button] == ["Sign out"] and not at.sidebar.selectbox
    ctx = Atelier.open(load_settings())
    try:
        assert team.get_user(ctx, "eve@example.com") is None
    finally:
        ctx.close()


def test_first_sign_in_is_admin_then_others_need_a_role(small_demo: dict[str, str]) -> None:
    at = _as({"email": "Ana@Example.com", "name": "Ana Lima"}).run()
    assert not at.exception, at.exception
    assert "Signed in as **Ana Lima** · ana\\@\u2060example\\.com" in _sidebar_text(at)
    assert [b.label for b in at.sidebar.button if b.label == "Sign out"] == ["Sign out"]
    at.switch_page("pages/admin.py").run()
    assert at.dataframe[0].value["admin"].tolist() == [True]
    at.text_input(key="member_email").input("ben@example.com")
    at.selectbox(key="member_role").select("editor")
    next(b for b in at.button if b.label == "Save").click().run()
    assert not at.error, [e.value for e in at.error]

    ben = _as({"email": "ben@example.com", "name": "Ben"}).run()
    ben.switch_page("pages/admin.py").run()
    assert not ben.exception, ben.exception
    assert "You need to be a manager" in ben.info[0].value
    assert not ben.dataframe and not ben.text_input

    ctx = Atelier.open(load_settings())
    try:
        assert team.get_user(ctx, "ana@example.com") == team.TeamUser("ana@example.com", "Ana Lima", True)
        with ctx.db.Session() as s:
            actions = s.execute(select(AuditEntry.actor, AuditEntry.action).order_by(AuditEntry.id)).all()
            assert s.scalar(select(EditHistory.user_name).limit(1)) is None
        assert [tuple(a) for a in actions] == [
            ("ana@example.com", "admin.first_sign_in"),
            ("ana@example.com", "member.add"),
        ]
    finally:
        ctx.close()
