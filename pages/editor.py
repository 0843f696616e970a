"""Editor: play the final ad, list the scenes, edit one through a dialog."""

from __future__ import annotations

import queue
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import streamlit as st

from editing import campaigns
from editing.domain import MAX_INSTRUCTION_CHARS, SceneInfo
from editing.errors import AtelierError
from editing.pipeline import STEPS, ProgressEvent, edit_scene
from editing.providers.offline.look import BLOCK_MARKER, split_prompt
from pages._common import (
    HISTORY_COLUMNS,
    current_brand,
    current_campaign,
    get_ctx,
    guarded,
    role_label,
    when,
)
from pages._safe import label, md

ICONS = {"pending": "○", "running": "◌", "done": "✓", "failed": "✕"}


@st.cache_resource
def edit_workers() -> ThreadPoolExecutor:
    """Threads that run edits for every session of this server process."""
    return ThreadPoolExecutor(max_workers=4, thread_name_prefix="atelier-edit")


def _close_dialog() -> None:
    st.session_state.pop("edit_scene", None)


def _open_dialog(scene_index: int) -> None:
    st.session_state["edit_scene"] = scene_index
    st.session_state.pop("last_result", None)


@st.dialog("Edit scene", width="large", on_dismiss=_close_dialog)
def edit_dialog(campaign_id: str, scene: SceneInfo) -> None:
    st.markdown(f"**Scene {scene.scene_index:d} · {label(role_label(scene.role))}** · {scene.duration:d}s")
    st.caption(md(scene.background_prompt))
    with st.form("edit_form", border=False):
        instruction = st.text_area(
            "What should change?",
            placeholder="e.g. 'Make brighter', 'slow motion', 'add rose petals', 'warmer and closer'",
            max_chars=MAX_INSTRUCTION_CHARS,
        )
        submitted = st.form_submit_button("Edit scene", type="primary", icon=":material/auto_awesome:")
    if not submitted:
        return
    status = st.status("Editing scene…", expanded=True)
    lines = {step: status.empty() for step, _ in STEPS}
    for step, step_label in STEPS:
        lines[step].markdown(f"{md(ICONS['pending'])} {md(step_label)}")

    # The edit runs on a worker thread and reports through a queue; this script thread only
    # draws. If the user closes the dialog or the page reruns, the edit still finishes and
    # commits (or fails cleanly) instead of being cut off half-way by Streamlit's rerun.
    events: queue.Queue[ProgressEvent] = queue.Queue()
    future = edit_workers().submit(
        edit_scene,
        get_ctx(),
        campaign_id,
        scene.scene_index,
        instruction,
        brand=current_brand(),
        on_progress=events.put,
    )
    while not (future.done() and events.empty()):
        try:
            ev = events.get(timeout=0.1)
        except queue.Empty:
            continue
        running = ev.fraction is not None and ev.state == "running"
        lines[ev.step].markdown(
            f"{md(ICONS[ev.state])} **{md(ev.label)}**"
            + (f" {ev.fraction or 0:.0%}" if running else "")
            + (f" — {md(ev.message)}" if ev.message else "")
            + f" `{ev.elapsed_s:.1f}s`"
        )
        status.update(label=label(f"{ev.label}…" if ev.state == "running" else status_label(ev)))
    try:
        result = future.result()
    except AtelierError as exc:
        status.update(label="Edit failed — the campaign is unchanged", state="error")
        st.error(md(exc), icon=":material/error:")
        return
    status.update(label="Edit complete", state="complete", expanded=False)
    st.session_state["last_result"] = result
    _close_dialog()
    st.rerun()


def status_label(ev: ProgressEvent) -> str:
    return f"{ev.label} {'done' if ev.state == 'done' else 'failed'}"


def scene_card(scene: SceneInfo) -> None:
    with st.container(border=True):
        thumb, body = st.columns([1, 3], vertical_alignment="center")
        if scene.thumbnail_url:
            thumb.image(scene.thumbnail_url, width="stretch")
        body.markdown(f"**{scene.scene_index:d} · {label(role_label(scene.role))}** · {scene.duration:d}s")
        concept, block = split_prompt(scene.background_prompt)
        body.caption(md(concept))
        if block:
            with body.expander("Cinematography", icon=":material/photo_camera:"):
                st.caption(md(block.removeprefix(BLOCK_MARKER).strip()))
        edited = (
            f"Edited {scene.edit_count}× · last {when(scene.last_edited_at)}"
            if scene.edit_count
            else "Not edited yet"
        )
        meta, button = body.columns([3, 1], vertical_alignment="center")
        meta.caption(md(edited))
        button.button(
            "Edit",
            key=f"edit_{scene.scene_index}",
            icon=":material/edit:",
            on_click=_open_dialog,
            args=(scene.scene_index,),
        )


ctx = get_ctx()
campaign_id = current_campaign()
if campaign_id is None:
    st.info("Create a campaign with `python -m editing demo` to start editing.")
    st.stop()
overview = guarded(campaigns.campaign_overview, ctx, campaign_id, brand=current_brand())
if overview is None:
    st.stop()

st.title(label(overview.name))
st.caption(f"{label(overview.brand_name)} · {label(overview.perfume_name)} · total cost ${overview.cost:.4f}")

result = st.session_state.get("last_result")
if result and result["campaign_id"] == overview.campaign_id:
    st.success(
        f"Scene {result['scene_index']:d} edited in {result['elapsed_s']:.2f}s "
        f"for ${result['cost']:.4f}. "
        f"{md(result['changes_summary'])}",
        icon=":material/check_circle:",
    )
    row = campaigns.get_edit(ctx, result["edit_id"], brand=current_brand())
    st.dataframe(
        pd.DataFrame([{**row.to_dict(), "timestamp": when(row.timestamp)}]),
        hide_index=True,
        column_order=[
            "timestamp",
            "scene_index",
            "edit_prompt",
            "changes_summary",
            "cost",
            "elapsed_s",
            "status",
        ],
        column_config=HISTORY_COLUMNS,
    )
elif overview.status == "failed" and overview.error_message:
    st.warning(
        f"The last edit failed and changed nothing: {md(overview.error_message)}", icon=":material/warning:"
    )

player, scene_list = st.columns([2, 3], gap="large")
with player:
    st.subheader("Final ad")
    if overview.final_video_url:
        st.video(overview.final_video_url)
    with st.expander("Campaign style"):
        st.json(overview.style_spec)
with scene_list:
    st.subheader(f"Scenes ({len(overview.scenes):d})")
    for scene in overview.scenes:
        scene_card(scene)

# The dialog stays open across reruns until it is submitted or dismissed.
editing_index = st.session_state.get("edit_scene")
if editing_index is not None and editing_index < len(overview.scenes):
    edit_dialog(campaign_id, overview.scenes[editing_index])
