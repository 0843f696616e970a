"""The real app in Chromium: a zip imported through the New campaign page, then a scene of it edited.

Same server and browser as tests/ui/test_browser.py (skipped, or failing under
ATELIER_REQUIRE_BROWSER=1, when Chromium is missing).
"""

from __future__ import annotations

from pathlib import Path

from tests.seed_campaigns import Clips, lay_out, seed_doc, zip_folder
from tests.ui.test_browser import ARGS, CHROMIUM, app_url  # noqa: F401  (streamlit run app.py on the test's database)


def test_import_a_zip_then_edit_one_of_its_scenes(app_url: str, tmp_path: Path, clips: Clips) -> None:  # noqa: F811
    from playwright.sync_api import sync_playwright

    scenes = [clips.portrait, clips.landscape, clips.canonical]
    folder = lay_out(tmp_path / "c", seed_doc([1.0, 1.0, 1.0]), scenes, audio=clips.music, final=clips.final)
    archive = zip_folder(folder, tmp_path / "ambre-nocturne.zip")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(app_url)
            page.wait_for_selector("h1:has-text('Nuit Dorée')", timeout=180_000)  # the demo, first start
            page.get_by_role("link", name="New campaign").click()
            page.wait_for_selector("h1:has-text('New campaign')", timeout=30_000)
            page.locator("input[type=file]").set_input_files(str(archive))
            page.get_by_role("button", name="Import the zip").click()
            page.get_by_text("It is the sidebar's campaign now").wait_for(timeout=120_000)
            page.screenshot(path=str(tmp_path / "imported.png"), full_page=True)
            picked = page.get_by_test_id("stSidebar").get_by_test_id("stSelectbox").nth(1).inner_html()
            assert "Ambre Nocturne — spring" in picked, picked  # the sidebar switched to it
            page.wait_for_selector("video", timeout=30_000)
            page.get_by_role("link", name="Edit it").click()
            page.wait_for_selector("h1:has-text('Ambre Nocturne — spring')", timeout=60_000)
            page.get_by_role("button", name="Edit", exact=True).nth(1).click()
            page.get_by_role("dialog").get_by_label("What should change?").fill("warmer, with gold dust")
            page.get_by_role("dialog").get_by_role("button", name="Edit now").click()
            page.wait_for_selector("text=Scene 2: Regenerate", timeout=120_000)
            page.screenshot(path=str(tmp_path / "imported-and-edited.png"), full_page=True)
        finally:
            browser.close()
