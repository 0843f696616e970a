"""AppTest the way the server runs the app: app.py (router + sidebar) first, then the page.

With a ``pages/`` folder next to app.py, Streamlit's AppTest resets the "uses pages
directory" flag before every run, so each rerun after ``switch_page`` executes the page
file alone (multipage v1), without app.py and its sidebar. A real server clears that flag
at the first ``st.navigation`` call and keeps it cleared. ``server_like_navigation`` does
the same for every AppTest in tests/ui.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import app_test


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
