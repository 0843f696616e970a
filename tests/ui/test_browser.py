"""The real app in a real browser: `streamlit run app.py`, driven by Playwright in Debian's Chromium.

Checks what AppTest cannot: the page renders, the final video actually plays in
Chromium (H.264 + faststart), and an edit through the dialog updates the page.
Needs /usr/bin/chromium (`apt-get install chromium`); .ci/run installs it and sets
ATELIER_REQUIRE_BROWSER=1 so that a missing browser fails CI instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from editing.config import ENV_FIELDS
from tests.conftest import FAST_ENV

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--autoplay-policy=no-user-gesture-required",
]
PLAY = """async () => {
  const v = document.querySelector('video');
  await v.play();
  await new Promise(r => setTimeout(r, 1200));
  const first = {t: v.currentTime, w: v.videoWidth, h: v.videoHeight, err: v.error && v.error.code,
                 audio: v.webkitAudioDecodedByteCount, video: v.webkitVideoDecodedByteCount};
  // across the last scene boundary to the very end: the whole file plays
  const ended = new Promise(r => v.addEventListener('ended', () => r(true), {once: true}));
  v.currentTime = v.duration - 1.5;
  const done = await Promise.race([ended, new Promise(r => setTimeout(() => r(false), 8000))]);
  return {...first, ended: done, end_err: v.error && v.error.code, duration: v.duration};
}"""

if not Path(CHROMIUM).exists():
    if os.environ.get("ATELIER_REQUIRE_BROWSER") == "1":
        raise RuntimeError("ATELIER_REQUIRE_BROWSER=1 but Chromium is missing (apt-get install chromium)")
    pytest.skip("Chromium is not installed (apt-get install chromium)", allow_module_level=True)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_DB_URLS: dict[str, str] = {}


def _db_url(app_url: str) -> str:
    return _DB_URLS[app_url]


@pytest.fixture
def app_url(tmp_path: Path, database_url: str) -> Iterator[str]:
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ENV_FIELDS and not k.startswith("AWS_")}
    env.update(FAST_ENV, ATELIER_DATA_DIR=str(tmp_path / "data"), DATABASE_URL=database_url)
    log = (tmp_path / "streamlit.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    _DB_URLS[url] = database_url
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{url}/_stcore/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        else:
            raise RuntimeError("streamlit did not start: " + (tmp_path / "streamlit.log").read_text()[-2000:])
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def _shot(page: Any, tmp_path: Path, name: str) -> None:
    """A screenshot in the test's folder, and in ATELIER_SCREENSHOTS (docs/img) when set."""
    page.screenshot(path=str(tmp_path / name), full_page=False)
    if os.environ.get("ATELIER_SCREENSHOTS"):
        page.screenshot(path=str(Path(os.environ["ATELIER_SCREENSHOTS"]) / name), full_page=False)


def test_video_plays_and_an_edit_updates_the_page(app_url: str, tmp_path: Path) -> None:
    """Play the final ad; preview → quick adjust → compare → revert; a refusal; the dialog's guards."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(app_url)
            # the first start builds the demo campaign
            page.wait_for_selector("h1:has-text('Nuit Dorée')", timeout=180_000)
            page.wait_for_selector("video", timeout=30_000)
            playback = page.evaluate(PLAY)
            assert playback["err"] is None and playback["t"] > 0.3, playback
            assert playback["audio"] > 0 and playback["video"] > 0, "Chromium decodes both tracks"
            assert playback["ended"] and playback["end_err"] is None, playback
            assert (playback["w"], playback["h"]) == (360, 640)
            _shot(page, tmp_path, "editor.png")

            page.get_by_role("button", name="Edit", exact=True).nth(2).click()
            dialog = page.get_by_role("dialog")
            box = dialog.get_by_label("What should change?")
            dialog.get_by_role("button", name="Preview").click()  # an empty box cannot be sent
            page.wait_for_selector("text=This field is required.", timeout=30_000)
            assert page.get_by_text("Quick adjust —").count() == 0
            box.fill("a bit warmer")
            box.press("Tab")
            dialog.get_by_role("button", name="Preview").click()
            page.wait_for_selector("text=Quick adjust — $0.0000", timeout=60_000)
            assert dialog.get_by_text("Regenerate — $").count() == 1
            _shot(page, tmp_path, "preview.png")
            dialog.get_by_role("button", name="Generate").click()
            page.wait_for_selector("text=Scene 3: Quick adjust", timeout=120_000)
            page.wait_for_selector("text=The scene at the same moments", timeout=30_000)
            assert page.locator("video").count() >= 5, "the final, and the scene and the ad before and after"
            _shot(page, tmp_path, "compare.png")

            page.get_by_role("button", name="Versions").nth(2).click()
            page.wait_for_selector("text=every version is kept", timeout=30_000)
            _shot(page, tmp_path, "versions.png")
            page.get_by_role("dialog").get_by_role("button", name="Use this version").click()
            page.wait_for_selector("text=Scene 3: Revert", timeout=60_000)

            page.get_by_role("button", name="Edit", exact=True).nth(0).click()
            page.get_by_role("dialog").get_by_label("What should change?").fill("asdf qwerty")
            page.get_by_role("dialog").get_by_role("button", name="Edit now").click()
            page.wait_for_selector("text=Refused: nothing was spent or changed", timeout=60_000)
        finally:
            browser.close()


def _choose(page: Any, label: str, index: int) -> None:
    """Pick the ``index``-th option of the sidebar selectbox ``label`` (its options are hostile text)."""
    page.get_by_test_id("stSidebar").get_by_label(label).click()
    page.get_by_test_id("stSelectboxVirtualDropdown").get_by_role("option").nth(index).click()
    page.wait_for_timeout(600)


def test_hostile_text_makes_no_request_and_carries_no_url(app_url: str, tmp_path: Path) -> None:
    """After every page has shown the hostile corpus, the browser asked only the app's own host."""
    from playwright.sync_api import sync_playwright

    from editing import campaigns
    from editing.config import load_settings
    from editing.context import Atelier
    from tests import hostile

    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.on("request", lambda r: requests.append(r.url))
            page.goto(app_url)
            page.wait_for_selector("h1:has-text('Nuit Dorée')", timeout=180_000)
            env = {**FAST_ENV, "ATELIER_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": _db_url(app_url)}
            ctx = Atelier.open(load_settings(env=env))
            try:
                hostile.load(ctx, campaigns.list_campaigns(ctx)[0].campaign_id)
            finally:
                ctx.close()
            for brand in (1, 2):  # the demo's brand sorts after the two hostile ones
                page.goto(app_url)
                page.wait_for_selector(
                    "[data-testid='stSidebar'] [data-testid='stSelectbox']", timeout=60_000
                )
                _choose(page, "Brand", brand - 1)
                for path in ("", "history", "costs", "settings"):
                    page.goto(f"{app_url}/{path}")
                    page.wait_for_selector("h1", timeout=60_000)
                    page.wait_for_timeout(1500)
                    if path == "history":  # open the first row's details (its prompts, its error)
                        grid = page.get_by_test_id("stDataFrame").first.bounding_box()
                        assert grid is not None
                        page.mouse.click(grid["x"] + 12, grid["y"] + 52)
                        page.wait_for_selector("text=Prompt before", timeout=30_000)
                    carried = page.evaluate(
                        "() => [...document.querySelectorAll('[src],[href],[style*=url]')].map(e =>"
                        " (e.getAttribute('src') || '') + ' ' + (e.getAttribute('href') || '')"
                        " + ' ' + (e.getAttribute('style') || ''))"
                    )
                    bad = [
                        c for c in carried if hostile.EVIL in c or "javascript:" in c or "data:text/html" in c
                    ]
                    assert bad == [], f"/{path} carries {bad}"
            page.screenshot(path=str(tmp_path / "hostile.png"), full_page=True)
        finally:
            browser.close()
    own = app_url.split("//")[1]
    foreign = [u for u in requests if u.split("//")[1].split("/")[0] != own and not u.startswith("data:")]
    assert foreign == [], foreign
    assert len(requests) > 20
