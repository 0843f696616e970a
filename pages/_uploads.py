"""Uploads on the Editor: replace a scene with a clip, the music with a track, set the product image."""

from __future__ import annotations

import streamlit as st

from editing.domain import SceneInfo
from editing.music import MusicResult, replace_music
from editing.product import clear_product_image, get_product_image, set_product_image
from editing.uploads import Fit, replace_scene
from pages._common import current_brand, get_ctx, guarded
from pages._safe import label, md

VIDEO_TYPES = ["mp4", "mov", "webm", "mkv", "m4v", "avi"]
AUDIO_TYPES = ["mp3", "wav", "m4a", "ogg", "flac", "aac", "opus"]
IMAGE_TYPES = ["png", "jpg", "jpeg"]


def _fresh(name: str) -> str:
    """A widget key that changes after each upload, so a used file is not left there to send twice."""
    return f"{name}_{st.session_state.get('uploads', 0)}"


def _done() -> None:
    st.session_state["uploads"] = st.session_state.get("uploads", 0) + 1


def scene_upload(campaign_id: str, scene: SceneInfo, *, busy: bool) -> None:
    """'Replace with upload' on a scene card: a clip of any common format, normalized, $0."""
    i = scene.scene_index
    with st.expander("Replace with upload", icon=":material/upload:"):
        clip = st.file_uploader(
            f"A clip for scene {i + 1:d}", type=VIDEO_TYPES, key=_fresh(f"upload_clip_{i}")
        )
        to_scene = st.toggle(
            "Fit it to the scene's length",
            key=f"upload_fit_{i}",
            help="Off: the clip keeps its own length (0.5–60 s)",
        )
        fit = Fit.SCENE if to_scene else Fit.KEEP
        if st.button(f"Replace scene {i + 1:d} ($0)", key=f"upload_go_{i}", disabled=clip is None or busy):
            assert clip is not None
            with st.spinner("Checking and normalizing the clip…"):
                result = guarded(
                    replace_scene, get_ctx(), campaign_id, i, clip.name, clip, fit=fit, brand=current_brand()
                )
            if result is not None:
                st.session_state["last_edit"] = result["edit_id"]
                _done()
                st.rerun()


def music_upload(campaign_id: str) -> None:
    """Replace the music: looped or cut to the ad, faded in and out, the final re-rendered ($0)."""
    song = st.file_uploader("An audio file", type=AUDIO_TYPES, key=_fresh("upload_music"))
    st.caption("Looped or cut to the ad's length and faded in and out; the earlier music is kept.")
    if st.button("Replace the music ($0)", key="upload_music_go", disabled=song is None):
        assert song is not None
        with st.spinner("Fitting the music and rendering the final…"):
            result = guarded(replace_music, get_ctx(), campaign_id, song.name, song, brand=current_brand())
        if result is not None:
            st.session_state["music_done"] = result
            _done()
            st.rerun()
    done: MusicResult | None = st.session_state.pop("music_done", None)
    if done is not None:
        st.success(
            f"Music: {md(done.filename)}, {md(done.fitted)} to {done.ad_seconds:g} s; the final is new.",
            icon=":material/music_note:",
        )


def product_upload(campaign_id: str) -> None:
    """The product image: new scenes start from it (Seedance) or take its colours (offline)."""
    ctx, brand = get_ctx(), current_brand()
    current = guarded(get_product_image, ctx, campaign_id, brand=brand)
    if current is not None:
        shot, colours = st.columns([1, 2])
        shot.image(current.url, width="stretch")
        colours.caption(f"{current.width:d}×{current.height:d} {label(current.format)}")
        colours.markdown(md(" ".join(current.colours)))  # Atelier's own hex codes
        if colours.button("Remove", key="product_clear", icon=":material/delete:"):
            guarded(clear_product_image, ctx, campaign_id, brand=brand)
            st.rerun()
    image = st.file_uploader("A packshot (PNG or JPEG)", type=IMAGE_TYPES, key=_fresh("upload_product"))
    st.caption("Scenes generated from now on start from it, so the bottle stays the same bottle.")
    if st.button("Use this product image", key="upload_product_go", disabled=image is None):
        assert image is not None
        if guarded(set_product_image, ctx, campaign_id, image.name, image, brand=brand) is not None:
            _done()
            st.rerun()
