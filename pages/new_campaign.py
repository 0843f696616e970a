"""New campaign: create one from a brief (scenes generated as jobs), or import one the generation system
made (a .zip upload, or an S3 prefix)."""

from __future__ import annotations

import streamlit as st

from editing import transfer
from pages._common import current_brand, get_ctx, guarded, show_campaign
from pages._create import create_section
from pages._safe import label, md

st.title("New campaign")
ctx = get_ctx()
# A fixed brand (ATELIER_BRAND) takes the import whatever campaign.json says; otherwise campaign.json's
# brand_name, or the sidebar's brand when it names none.
owner = {"brand": ctx.settings.brand, "default_brand": current_brand()}

st.subheader("Create")
st.caption(
    "Start from a template, write the brief, check the estimate, then Generate: every scene is "
    "generated side by side with the active generator, then the music bed and the final."
)
create_section()

st.subheader("Import")
st.caption(
    "A campaign in the seed's layout: campaign.json with its scene videos, final video and music "
    "(see Import and export in the README). Every scene is checked and normalized; if anything is "
    "wrong, nothing is imported."
)
from_zip, from_s3 = st.tabs(["Upload a .zip", "From an S3 prefix"])
imported: transfer.ImportResult | None = None
with from_zip:
    # a new uploader after each import: an imported zip is not left there to import twice
    upload = st.file_uploader(
        "Campaign .zip", type=["zip"], key=f"import_zip_{st.session_state.get('imports', 0)}"
    )
    if st.button("Import the zip", key="import_zip_button", type="primary", disabled=upload is None):
        assert upload is not None
        with st.spinner("Importing: checking and normalizing every scene…"):
            imported = guarded(transfer.import_upload, ctx, upload.name, upload, **owner)
with from_s3:
    prefix = st.text_input("S3 prefix", key="import_s3", placeholder="s3://bucket/brands/…/campaigns/…/")
    if st.button("Import from S3", key="import_s3_button", type="primary", disabled=not prefix.strip()):
        with st.spinner("Importing: checking and normalizing every scene…"):
            imported = guarded(transfer.import_campaign, ctx, prefix.strip(), **owner)
if imported is not None:
    st.session_state["imported"] = imported
    st.session_state["imports"] = st.session_state.get("imports", 0) + 1
    show_campaign(imported.brand, imported.campaign_id)
    st.rerun()  # the sidebar, drawn before this page, shows the new campaign

done: transfer.ImportResult | None = st.session_state.pop("imported", None)
if done is not None:
    st.success(
        f"Imported **{label(done.name)}** ({label(done.brand)} / {label(done.perfume)}): "
        f"{done.scenes:d} scene{'' if done.scenes == 1 else 's'}, {done.duration:g} s. "
        "It is the sidebar's campaign now.",
        icon=":material/check_circle:",
    )
    for note in done.notes:
        st.warning(md(note), icon=":material/warning:")
    player, _ = st.columns([1, 2])  # a 9:16 ad, not the page's width
    player.video(done.final_video_url)
    player.page_link("pages/editor.py", label="Edit it", icon=":material/movie_edit:")
