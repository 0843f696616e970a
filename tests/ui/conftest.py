"""AppTest the way the server runs the app: app.py (router + sidebar) first, then the page.

With a ``pages/`` folder next to app.py, Streamlit's AppTest resets the "uses pages
directory" flag before every run, so each rerun after ``switch_page`` executes the page
file alone (multipage v1), without app.py and its sidebar. A real server clears that flag
at the first ``st.navigation`` call and keeps it cleared. ``server_like_navigation`` does
the same for every AppTest in tests/ui.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest, app_test

from tests.conftest import point_env

ROOT = Path(__file__).resolve().parents[2]


class _NavigationPagesManager(PagesManager):
    """A PagesManager that, like a server after its first st.navigation, never falls back to pages/."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        PagesManager.uses_pages_directory = False


@pytest.fixture(autouse=True)
def server_like_navigation(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setattr(app_test, "PagesManager", _NavigationPagesManager)
    yield
    PagesManager.uses_pages_directory = None


@pytest.fixture
def app_env(tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Point the app at the test's database and data dir, with offline providers."""
    env = point_env(monkeypatch, tmp_path / "data", database_url)
    monkeypatch.chdir(ROOT)
    yield env
    from pages._common import reset_caches

    reset_caches()


def _app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)


def _until(at: AppTest, done: Callable[[AppTest], bool], timeout: float = 60) -> AppTest:
    """Rerun (as a follow-up fragment would) until ``done``: the edit runs on the inline worker."""
    deadline = time.monotonic() + timeout
    while not done(at):
        assert time.monotonic() < deadline, "the page never showed the end of the edit"
        time.sleep(0.3)
        at.run()
        assert not at.exception, at.exception
    return at
