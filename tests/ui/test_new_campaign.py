"""The New campaign page in AppTest, run as the server runs it: import an uploaded zip or an S3 prefix,
see the campaign (the sidebar switches to it) or one line saying what is wrong, with nothing stored."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from editing import campaigns
from editing.context import Atelier
from pages._safe import md
from tests import hostile
from tests.fakes.s3_server import MotoS3Server, offline_aws_env
from tests.seed_campaigns import Clips, lay_out, seed_doc, zip_folder
from tests.ui.conftest import ROOT, _until

PAGE = "pages/new_campaign.py"


def opened() -> AppTest:
    """The app after its first start (the demo campaign), on the New campaign page."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120).run()
    at.switch_page(PAGE).run()
    assert not at.exception, at.exception
    return at


def campaign_names() -> list[str]:
    ctx = Atelier.open()
    try:
        return sorted(c.name for c in campaigns.list_campaigns(ctx))
    finally:
        ctx.close()


def a_zip(tmp_path: Path, clips: Clips, doc: dict | None = None) -> bytes:  # type: ignore[type-arg]
    scenes = [clips.portrait, clips.canonical]
    folder = lay_out(
        tmp_path / "c", doc or seed_doc([1.0, 1.0]), scenes, audio=clips.music, final=clips.final
    )
    return zip_folder(folder, tmp_path / "campaign.zip").read_bytes()


def upload(at: AppTest, data: bytes) -> AppTest:
    at.file_uploader[0].set_value(("campaign.zip", data, "application/zip")).run()
    at.button(key="import_zip_button").click().run()
    assert not at.exception, at.exception
    return at


def test_the_page_offers_an_upload_and_an_s3_prefix(app_env: dict[str, str]) -> None:
    at = opened()
    assert at.title[0].value == "New campaign" and [s.value for s in at.subheader] == ["Create", "Import"]
    assert at.file_uploader[0].allowed_type == [".zip"]
    assert at.button(key="import_zip_button").disabled and at.button(key="import_s3_button").disabled
    assert [s.label for s in at.sidebar.selectbox] == ["Brand", "Campaign"]


def test_an_uploaded_zip_becomes_the_sidebar_s_campaign(
    app_env: dict[str, str],
    tmp_path: Path,
    clips: Clips,
) -> None:
    at = upload(opened(), a_zip(tmp_path, clips))
    assert not at.error, [e.value for e in at.error]
    (done,) = [s.value for s in at.success]
    assert done.startswith(
        "Imported **Ambre Nocturne — spring** (Maison Test / Ambre Nocturne): 2 scenes, 2 s."
    )
    assert at.get("video"), "the imported campaign's final plays"
    assert at.button(key="import_zip_button").disabled, "the imported zip is not left there to import twice"
    new_id = at.session_state["campaign_id"]
    assert at.session_state["brand"] == "Maison Test"
    assert [s.value for s in at.sidebar.selectbox] == ["Maison Test", new_id]
    assert "Ambre Nocturne — spring" in campaign_names()
    at.switch_page("pages/editor.py").run()
    assert not at.exception, at.exception
    assert at.sidebar.selectbox[1].value == new_id, "the editor opens on it"


def test_a_bad_zip_is_one_line_and_nothing_is_imported(
    app_env: dict[str, str],
    tmp_path: Path,
    clips: Clips,
) -> None:
    at = opened()
    before = (campaign_names(), at.session_state["campaign_id"])
    at = upload(at, a_zip(tmp_path, clips, seed_doc([1.0, 1.0, 1.0])))
    (error,) = [e.value for e in at.error]
    assert md("campaign.json has 3 scenes, but there is no variations/") in error and "\n" not in error
    assert not at.success
    assert (campaign_names(), at.session_state["campaign_id"]) == before
    at.file_uploader[0].set_value(("evil.zip", b"PK\x03\x04 not really", "application/zip")).run()
    at.button(key="import_zip_button").click().run()
    assert any(md("evil.zip is not a readable zip file") in e.value for e in at.error)
    assert campaign_names() == before[0]


@pytest.fixture
def s3(app_env: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[MotoS3Server]:
    offline_aws_env(monkeypatch, tmp_path / "no-aws-config")
    with MotoS3Server() as server:
        monkeypatch.setenv("AWS_ENDPOINT_URL", server.endpoint)
        server.create_bucket("seeds")
        yield server


def test_an_s3_prefix_is_imported_and_a_missing_one_refused(
    s3: MotoS3Server, tmp_path: Path, clips: Clips
) -> None:
    folder = lay_out(tmp_path / "c", seed_doc([1.0], brand_name=None), [clips.landscape], audio=clips.music)
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            s3.client().upload_file(
                str(path), "seeds", "brands/b/perfumes/p/campaigns/c/" + path.relative_to(folder).as_posix()
            )
    at = opened()
    sidebar_brand = at.session_state["brand"]
    at.text_input(key="import_s3").input("s3://seeds/brands/b/perfumes/p/campaigns/nothing-here/").run()
    at.button(key="import_s3_button").click().run()
    (error,) = [e.value for e in at.error]
    assert md("holds no files: there is no such prefix in the bucket") in error
    at.text_input(key="import_s3").input("s3://seeds/brands/b/perfumes/p/campaigns/c/").run()
    at.button(key="import_s3_button").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert at.success[0].value.startswith("Imported **Ambre Nocturne — spring** (")
    assert at.session_state["brand"] == sidebar_brand, "no brand_name: it goes to the sidebar's brand"


def test_hostile_names_are_shown_as_text(app_env: dict[str, str], tmp_path: Path, clips: Clips) -> None:
    doc = seed_doc(
        [1.0, 1.0],
        campaign_name=hostile.NAMES[0],
        brand_name=hostile.NAMES[7],
        perfume_name=hostile.NAMES[17].replace("\u202c", ""),
    )
    doc["scenes"][0]["background_prompt"] = hostile.CORPUS[2]
    at = upload(opened(), a_zip(tmp_path, clips, doc))
    assert not at.error, [e.value for e in at.error]
    sources = [
        str(el.value)
        for kind in ("markdown", "success", "warning", "caption", "title")
        for el in at.get(kind)
    ]
    assert [(s[:60], hostile.rendered_markup(s)) for s in sources if hostile.rendered_markup(s)] == []
    assert any("Imported" in s for s in sources)
    assert hostile.NAMES[0] in campaign_names(), "stored as typed"


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_create_shows_the_estimate_then_generates_with_progress(app_env: dict[str, str]) -> None:
    at = opened()
    assert at.selectbox(key="c_template").options == [
        "TikTok 15 s — hook, showcase, lifestyle, detail, CTA",
        "TikTok 20 s — hook, showcase, lifestyle, detail, CTA",
        "TikTok 30 s — hook, showcase, lifestyle, detail, CTA",
    ]
    assert not at.error and at.button(key="create_button").disabled and not at.metric
    assert any(c.value == "Name the perfume to see the estimate." for c in at.caption)
    at.text_input(key="c_perfume").input("Ambre Nocturne").run()
    assert not at.error and not at.button(key="create_button").disabled
    assert metrics(at) == {"Estimated cost": "$0.0000", "About": "9 s", "Video to generate": "15 s"}
    at.selectbox(key="c_template").set_value("tiktok-30s").run()
    at.number_input(key="c_variations").set_value(2).run()
    assert metrics(at)["Video to generate"] == "60 s"
    assert any("5 scenes × 2 variation(s) on **offline**" in c.value for c in at.caption)
    at.text_input(key="c_perfume").input("Ambre\tNocturne").run()
    assert [e.value for e in at.error] == [
        md("perfume must be one line of text (no line breaks, tabs or control characters)")
    ]
    at.text_input(key="c_perfume").input("Ambre Nocturne").run()
    at.text_input(key="c_mood_tiktok-30s").input("").run()
    assert [e.value for e in at.error] == ["style\\_spec\\.mood\\_atmosphere must be 1 to 500 characters"]
    before = campaign_names()
    assert at.button(key="create_button").disabled and campaign_names() == before
    at.selectbox(key="c_template").set_value("tiktok-15s").run()
    at.number_input(key="c_variations").set_value(1).run()
    at.button(key="create_button").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    new_id = at.session_state["creating"]
    assert at.session_state["campaign_id"] == new_id, "the sidebar follows the new campaign"
    _until(at, lambda a: bool(a.success), timeout=90)
    assert at.success[0].value.startswith("Ready: **Ambre Nocturne — tiktok\\-15s**, for $0.0000")
    assert len(at.get("progress")) == 5 and "Ambre Nocturne — tiktok-15s" in campaign_names()
    at.switch_page("pages/editor.py").run()
    assert not at.exception and at.title[0].value.startswith("Ambre Nocturne")
