"""Secrets never reach a log line, an error message, an exception trace or a page.

An edit and two failing edits run against the fake OpenAI and Replicate servers with
distinctive fake keys, every log record at every level is kept, and every element of the
Settings page (where the configuration is shown) is read: none holds a key.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url
from streamlit.testing.v1 import AppTest

from editing.config import ENV_FIELDS
from editing.context import Atelier
from editing.demo import create_demo_campaign
from editing.errors import AtelierError
from editing.pipeline import edit_scene
from tests.conftest import FAST_ENV
from tests.fakes.openai_server import FakeOpenAI
from tests.fakes.replicate_server import FakeReplicate, make_tiny_mp4

OPENAI_KEY = "sk-SECRET-openai-4f2a9c"
REPLICATE_TOKEN = "r8_SECRET-replicate-7b1e"
DB_PASSWORD = "SECRET-db-pw-51c3"
SECRETS = (OPENAI_KEY, REPLICATE_TOKEN, DB_PASSWORD, "SECRET")
ROOT = Path(__file__).resolve().parents[1]


class _Everything(logging.Handler):
    """Keeps every record formatted, with its exception trace if any."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def all_logs() -> Iterator[_Everything]:
    handler = _Everything()
    root = logging.getLogger()
    old = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(old)


def _leaks(texts: list[str]) -> list[str]:
    return [t for t in texts if any(s in t for s in SECRETS)]


def _secret_env(database_url: str, openai: FakeOpenAI, replicate: FakeReplicate) -> dict[str, str]:
    url = make_url(database_url).set(password=DB_PASSWORD)  # the embedded server trusts the socket
    return {
        "DATABASE_URL": url.render_as_string(hide_password=False),
        "OPENAI_API_KEY": OPENAI_KEY,
        "OPENAI_BASE_URL": openai.base_url,
        "REPLICATE_API_TOKEN": REPLICATE_TOKEN,
        "REPLICATE_BASE_URL": replicate.base_url,
        "TRUSTED_MEDIA_HOSTS": replicate.host,
        "REPLICATE_POLL_INTERVAL": "0.02",
    }


def test_no_secret_in_logs_errors_or_traces(
    make_settings: Any, database_url: str, all_logs: _Everything, monkeypatch: pytest.MonkeyPatch
) -> None:
    clip = make_tiny_mp4(seconds=2.0, size=(144, 256), fps=24)
    with (
        FakeOpenAI(api_key=OPENAI_KEY) as openai,
        FakeReplicate(api_token=REPLICATE_TOKEN, video=clip) as rep,
    ):
        env = _secret_env(database_url, openai, rep)
        ctx = Atelier.open(make_settings(**env))
        try:
            cid = str(create_demo_campaign(ctx, scenes=2, scene_duration=1.0))
            edit_scene(ctx, cid, 0, "make it warmer", method="regenerate")  # succeeds, through both clients
            errors = []
            for broken in (
                {"OPENAI_API_KEY": OPENAI_KEY + "-wrong"},
                {"REPLICATE_API_TOKEN": REPLICATE_TOKEN + "x"},
            ):
                bad = Atelier.open(make_settings(**{**env, **broken}))
                try:
                    with pytest.raises(AtelierError) as exc:
                        edit_scene(bad, cid, 1, "make it brighter", method="regenerate")
                    errors.append(str(exc.value))
                    errors.append("".join(traceback.format_exception(exc.value)))
                finally:
                    bad.close()
        finally:
            ctx.close()
    assert any("401" in e or "rejected" in e or "token" in e.lower() for e in errors), errors
    assert len(all_logs.lines) > 20, "the logs were captured"
    assert _leaks(all_logs.lines) == []
    assert _leaks(errors) == []


def test_no_secret_on_the_settings_page(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in ENV_FIELDS:
        monkeypatch.delenv(var, raising=False)
    with FakeOpenAI(api_key=OPENAI_KEY) as openai, FakeReplicate(api_token=REPLICATE_TOKEN) as rep:
        env = {
            **FAST_ENV,
            "ATELIER_DATA_DIR": str(tmp_path / "data"),
            **_secret_env(database_url, openai, rep),
        }
        for k, v in env.items():
            monkeypatch.setenv(k, v)
        monkeypatch.chdir(ROOT)
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
        at.switch_page("pages/settings.py").run()
        assert not at.exception, at.exception
        shown = [str(getattr(e, "value", "")) for e in at.main] + [
            str(getattr(e, "value", "")) for e in at.sidebar
        ]
        shown += [at.dataframe[0].value.to_csv()]
        from pages._common import reset_caches

        reset_caches()
    assert any("set" in s for s in shown) and "OPENAI_API_KEY" in shown[-1]
    assert _leaks(shown) == []
