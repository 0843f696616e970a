"""Versions of a scene and of the final ad, compare before/after, downloads: for Editor and History."""

from __future__ import annotations

from pathlib import Path, PurePosixPath

import streamlit as st

from editing import versions
from editing.compare import Comparison, compare_edit
from editing.revert import revert_scene, undo_last_edit
from pages._common import current_brand, current_user, get_ctx, guarded, when
from pages._safe import label, md
from pages._variations import current_variation

METHOD_ICONS = {
    "original": ":material/movie:",
    "regenerate": ":material/auto_awesome:",
    "adjust": ":material/tune:",
    "revert": ":material/undo:",
    "upload": ":material/upload:",
    "import": ":material/download:",
}


def download(text: str, url: str | None, *, key: str) -> None:
    """A download button for a stored video: the file itself (local storage) or its signed link (S3)."""
    if not url:
        return
    name = PurePosixPath(url.split("?", 1)[0]).name
    if url.startswith(("http://", "https://")):
        st.link_button(label(text), url, icon=":material/download:")
        return
    path = Path(url)
    st.download_button(
        label(text),
        data=path.read_bytes,
        file_name=name,
        mime="video/mp4",
        key=key,
        icon=":material/download:",
    )


def _use_version(campaign_id: str, scene_index: int, version: int) -> None:
    result = guarded(revert_scene, get_ctx(), campaign_id, scene_index, version, brand=current_brand(),
                     user=current_user(), variation=current_variation())  # fmt: skip
    if result is not None:
        st.session_state["last_edit"] = result["edit_id"]
        st.session_state.pop("versions_scene", None)


def undo(campaign_id: str, scene_index: int) -> None:
    """Undo the scene's last edit (a free revert to the version before)."""
    result = guarded(undo_last_edit, get_ctx(), campaign_id, scene_index, brand=current_brand(),
                     user=current_user(), variation=current_variation())  # fmt: skip
    if result is not None:
        st.session_state["last_edit"] = result["edit_id"]


def open_versions(scene_index: int) -> None:
    st.session_state["versions_scene"] = scene_index
    st.session_state["dialog_pending"] = True


def _close_versions() -> None:
    st.session_state.pop("versions_scene", None)


@st.dialog("Scene versions", width="large", on_dismiss=_close_versions)
def versions_dialog(campaign_id: str, scene_index: int) -> None:
    listed = guarded(versions.list_scene_versions, get_ctx(), campaign_id, scene_index, brand=current_brand(),
                     variation=current_variation())  # fmt: skip
    if not listed:
        return
    st.caption(f"Scene {scene_index + 1:d}: every version is kept. Making one current again is free.")
    for v in reversed(listed):
        with st.container(border=True):
            thumb, body = st.columns([1, 7], vertical_alignment="top")
            if v.thumbnail_url:
                thumb.image(v.thumbnail_url, width="stretch")
            body.markdown(
                f"**v{v.version:d}** · {md(v.method)} · {label(v.created_by)} · {md(when(v.created_at))} "
                f"· ${v.cost:.4f}" + (" · **current**" if v.current else "")
            )
            body.caption(md(v.prompt[:300] + ("…" if len(v.prompt) > 300 else "")))
            play, get, use = body.columns(3)
            with play.popover("Play", icon=":material/play_arrow:"):
                st.video(v.video_url)
            with get:
                download("Download", v.video_url, key=f"dl_v{scene_index}_{v.version}")
            if not v.current:
                use.button(
                    "Use this version",
                    key=f"use_{scene_index}_{v.version}",
                    icon=":material/restore:",
                    on_click=_use_version,
                    args=(campaign_id, scene_index, v.version),
                )


def finals_panel(campaign_id: str) -> None:
    """Every final ad of the campaign with the edit that made it, playable and downloadable."""
    listed = guarded(versions.list_final_versions, get_ctx(), campaign_id, brand=current_brand(),
                     variation=current_variation()) or []  # fmt: skip
    for f in reversed(listed):
        cols = st.columns([3, 1, 1], vertical_alignment="center")
        made = (
            "the original cut"
            if f.edit_id is None and f.version == 1
            else f"edit {(f.edit_id or 'group')[:8]}"
        )
        cols[0].markdown(
            f"**v{f.version:d}** · {md(when(f.created_at))} · {md(made)}"
            + (" · **current**" if f.current else "")
        )
        with cols[1].popover("Play", icon=":material/play_arrow:"):
            st.video(f.video_url)
        with cols[2]:
            download("Get", f.video_url, key=f"dl_final_{f.version}")


def compare_view(edit_id: str) -> None:
    """The scene and the ad before and after an edit, side by side, with frames at the same moments."""
    cmp: Comparison | None = guarded(compare_edit, get_ctx(), edit_id, brand=current_brand())
    if cmp is None:
        return
    players = st.columns(4)
    titles = ("Scene before", f"Scene after · {cmp.method}", "Ad before", "Ad after")
    urls = (cmp.scene_before_url, cmp.scene_after_url, cmp.final_before_url, cmp.final_after_url)
    for column, title, url in zip(players, titles, urls, strict=True):
        column.markdown(f"**{md(title)}**")
        if url:
            column.video(url)
        else:
            column.caption("—")
    st.markdown("**The scene at the same moments** (before, then after)")
    moments = [f"{at:.2f}s" for at in cmp.moments]
    st.image(list(cmp.frames_before), caption=moments, width=96)
    st.image(list(cmp.frames_after), caption=moments, width=96)
