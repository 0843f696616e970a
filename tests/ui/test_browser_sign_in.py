"""Sign-in end to end in a real browser: a real OpenID Connect provider (oidc-provider-mock),
`streamlit run app.py` configured against it with [auth], Debian's Chromium driven by Playwright.

Sign in through the provider's form, see the name in the sidebar, make a quick adjust and find
the signed-in email recorded on the edit in the database, sign out and see the sign-in screen.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from editing.config import ENV_FIELDS, load_settings
from editing.context import Atelier
from editing.db.models import EditHistory, User
from editing.demo import create_demo_campaign
from tests.conftest import FAST_ENV
from tests.ui.test_browser import ARGS, CHROMIUM, _free_port

ROOT = Path(__file__).resolve().parents[2]
ANA = {"sub": "ana@example.com", "email": "ana@example.com", "name": "Ana Lima"}


@dataclass(frozen=True)
class Server:
    url: str
    database_url: str
    data_dir: Path


def _wait(url: str, proc: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, log.read_text()[-2000:]
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} never answered: " + log.read_text()[-2000:])


def _start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(args, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)


@pytest.fixture
def signed_app(tmp_path: Path, database_url: str) -> Iterator[Server]:
    """The OpenID provider and Atelier, with [auth] in a secrets file of the test's own."""
    env = {k: v for k, v in os.environ.items() if k not in ENV_FIELDS and not k.startswith("AWS_")}
    env.update(FAST_ENV, ATELIER_DATA_DIR=str(tmp_path / "data"), DATABASE_URL=database_url)
    ctx = Atelier.open(load_settings(env=env))
    try:  # made beforehand, small: the app's first start has nothing to build
        create_demo_campaign(ctx, scenes=3, scene_duration=1.0)
    finally:
        ctx.close()
    idp_port, app_port = _free_port(), _free_port()
    idp = _start([sys.executable, "-m", "oidc_provider_mock", "--port", str(idp_port), "--user-claims",
                  json.dumps(ANA)], env, tmp_path / "idp.log")  # fmt: skip
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "http://localhost:{app_port}/oauth2callback"\n'
        'cookie_secret = "a-test-cookie-secret-of-enough-length"\n'
        'client_id = "atelier"\nclient_secret = "atelier-secret"\n'
        f'server_metadata_url = "http://127.0.0.1:{idp_port}/.well-known/openid-configuration"\n'
    )
    app = _start([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(app_port),
                  "--server.address", "127.0.0.1", "--server.headless", "true",
                  "--secrets.files", str(secrets)], env, tmp_path / "streamlit.log")  # fmt: skip
    try:
        _wait(f"http://127.0.0.1:{idp_port}/.well-known/openid-configuration", idp, tmp_path / "idp.log")
        _wait(f"http://127.0.0.1:{app_port}/_stcore/health", app, tmp_path / "streamlit.log")
        yield Server(f"http://localhost:{app_port}", database_url, tmp_path / "data")
    finally:
        for proc in (app, idp):
            proc.terminate()
            proc.wait(timeout=20)


def _edits(server: Server) -> list[tuple[str, str, str]]:
    env = {**FAST_ENV, "ATELIER_DATA_DIR": str(server.data_dir), "DATABASE_URL": server.database_url}
    ctx = Atelier.open(load_settings(env=env))
    try:
        with ctx.db.Session() as s:
            rows = s.execute(select(EditHistory.user_name, EditHistory.method, EditHistory.status)).all()
            admins = s.scalars(select(User.email).where(User.is_admin)).all()
        assert admins == ["ana@example.com"], "the first to sign in is admin"
        return [tuple(r) for r in rows]
    finally:
        ctx.close()


def test_sign_in_edit_as_the_signed_in_user_and_sign_out(signed_app: Server, tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(signed_app.url)
            page.get_by_role("button", name="Sign in").click()
            page.wait_for_selector("text=Authorize Client", timeout=30_000)  # the provider's own page
            page.fill("input[name=sub]", "ana@example.com")
            page.get_by_role("button", name="Authorize").click()
            page.wait_for_selector("h1:has-text('Nuit Dorée')", timeout=60_000)  # back in Atelier
            sidebar = page.get_by_test_id("stSidebar")
            sidebar.get_by_text("Ana Lima").wait_for(timeout=10_000)
            assert "ana@example.com" in sidebar.inner_text().replace("\u2060", "")  # the anti-autolink joiner
            page.screenshot(path=str(tmp_path / "signed-in.png"))

            page.get_by_role("button", name="Edit", exact=True).nth(2).click()
            dialog = page.get_by_role("dialog")
            dialog.get_by_label("What should change?").fill("brighter")
            dialog.get_by_role("button", name="Edit now").click()
            page.wait_for_selector("text=Scene 3: Quick adjust", timeout=120_000)
            assert ("ana@example.com", "adjust", "completed") in _edits(signed_app)

            page.keyboard.press("Escape")
            sidebar.get_by_role("button", name="Sign out").click()
            page.wait_for_selector("text=End Session", timeout=30_000)  # the provider ends its session too
            page.get_by_role("button", name="End session").click()
            page.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
            assert page.get_by_test_id("stSidebar").count() == 0, "nothing of the app once signed out"
            page.goto(f"{signed_app.url}/history")
            page.get_by_role("button", name="Sign in").wait_for(timeout=60_000)
        finally:
            browser.close()
