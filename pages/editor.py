"""Editor: play the final ad, list the scenes, edit one through a dialog; edits run as jobs."""

from __future__ import annotations

import uuid

import pandas as pd
import streamlit as st

from editing import campaigns
from editing.domain import MAX_INSTRUCTION_CHARS, CampaignOverview, SceneInfo
from editing.errors import AtelierError, UnmappableInstructionError
from editing.jobs.queue import JobStatus, active_jobs, edit_status, submit_edit
from editing.pipeline import STEPS
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

STEP_LABELS = dict(STEPS)
#: Seconds between two looks at the campaign's edits: fast while one runs, slow to notice others'.
FOLLOW_ACTIVE, FOLLOW_IDLE = 1.0, 5.0


def _close_dialog() -> None:
    for key in ("edit_scene", "edit_key", "edit_following"):
        st.session_state.pop(key, None)


def _open_dialog(scene_index: int) -> None:
    st.session_state["edit_scene"] = scene_index
    st.session_state["dialog_pending"] = True  # the card's button reruns only its fragment
    st.session_state["edit_key"] = uuid.uuid4().hex  # one submission = one edit, whatever the clicks
    st.session_state.pop("last_result", None)


def progress_line(job: JobStatus) -> str:
    """'Generate scene… 40%' for a running edit, 'Queued…' before a worker takes it."""
    if job.status == "queued":
        return "Queued, waiting for a worker…"
    step = STEP_LABELS.get(job.step or "", "Starting")
    pct = f" {job.fraction:.0%}" if job.fraction is not None and job.fraction < 1 else ""
    return f"{step}…{pct}"


@st.dialog("Edit scene", width="large", on_dismiss=_close_dialog)
def edit_dialog(campaign_id: str, scene: SceneInfo, running: JobStatus | None) -> None:
    st.markdown(
        f"**Scene {scene.scene_index + 1:d} · {label(role_label(scene.role))}** · {scene.duration:d}s"
    )
    st.caption(md(split_prompt(scene.background_prompt)[0]))
    following = st.session_state.get("edit_following") or (running.edit_id if running else None)
    if following:
        follow_edit(following)
        return
    with st.form("edit_form", border=False):
        instruction = st.text_area(
            "What should change?",
            placeholder="e.g. 'Make brighter', 'slow motion', 'add rose petals', 'warmer and closer'",
            max_chars=MAX_INSTRUCTION_CHARS,
        )
        submitted = st.form_submit_button("Edit scene", type="primary", icon=":material/auto_awesome:")
    if submitted:
        submit(campaign_id, scene.scene_index, instruction)


def submit(campaign_id: str, scene_index: int, instruction: str) -> None:
    try:
        response = submit_edit(
            get_ctx(),
            campaign_id,
            scene_index,
            instruction,
            brand=current_brand(),
            idempotency_key=st.session_state.get("edit_key"),
        )
    except UnmappableInstructionError as exc:
        st.warning(f"Refused: nothing was spent or changed. {md(exc)}", icon=":material/block:")
        return
    except AtelierError as exc:
        st.error(md(exc), icon=":material/error:")
        return
    st.session_state["edit_following"] = response.edit_id
    st.rerun()


@st.fragment(run_every=0.5)
def follow_edit(edit_id: str) -> None:
    """The submitted edit's progress, from the database: it survives closing the dialog and reloads."""
    job = guarded(edit_status, get_ctx(), edit_id, brand=current_brand())
    if job is None:
        return
    if job.status in ("queued", "running"):
        order = [step for step, _ in STEPS]
        current = order.index(job.step) if job.step in order else -1
        with st.status(label(progress_line(job)), expanded=True):
            for i, (_, step_label) in enumerate(STEPS):
                mark = "✓" if i < current else ("◌" if i == current else "○")
                st.markdown(f"{md(mark)} {md(step_label)}")
            st.caption(f"{md(job.message or '')} · {job.elapsed_s:.1f}s")
        st.caption("You can close this dialog: the edit goes on, and the page updates when it ends.")
        return
    if job.status == "failed":
        st.error(f"The edit failed and changed nothing: {md(job.error or '')}", icon=":material/error:")
        st.session_state.pop("edit_following", None)
        return
    st.session_state["last_result"] = job.result
    _close_dialog()
    st.rerun()


def scene_card(scene: SceneInfo, running: JobStatus | None) -> None:
    with st.container(border=True):
        thumb, body = st.columns([1, 3], vertical_alignment="center")
        if scene.thumbnail_url:
            thumb.image(scene.thumbnail_url, width="stretch")
        body.markdown(
            f"**{scene.scene_index + 1:d} · {label(role_label(scene.role))}** · {scene.duration:d}s"
        )
        concept, block = split_prompt(scene.background_prompt)
        body.caption(md(concept))
        if block:
            with body.expander("Cinematography", icon=":material/photo_camera:"):
                st.caption(md(block.removeprefix(BLOCK_MARKER).strip()))
        meta, button = body.columns([3, 1], vertical_alignment="center")
        if running is not None:
            meta.info(
                f"{md(progress_line(running))} · {label(running.user)}", icon=":material/hourglass_top:"
            )
        elif scene.edit_count:
            meta.caption(f"Edited {scene.edit_count:d}× · last {md(when(scene.last_edited_at))}")
        else:
            meta.caption("Not edited yet")
        button.button(
            "Edit",
            key=f"edit_{scene.scene_index}",
            icon=":material/edit:",
            on_click=_open_dialog,
            args=(scene.scene_index,),
        )


def scenes_live(campaign_id: str, version: int, edits: frozenset[str]) -> None:
    """The scene cards, following running edits (anyone's); a full rerun when one starts or ends."""
    jobs = guarded(active_jobs, get_ctx(), campaign_id, brand=current_brand()) or []
    overview = guarded(campaigns.campaign_overview, get_ctx(), campaign_id, brand=current_brand())
    if overview is None:
        return
    changed = overview.version != version or frozenset(j.edit_id for j in jobs) != edits
    if changed or st.session_state.pop("dialog_pending", False):
        st.rerun()  # an edit started or ended, or a dialog opens: redraw the page
    by_scene = {j.scene_index: j for j in jobs}
    st.subheader(f"Scenes ({len(overview.scenes):d})")
    for scene in overview.scenes:
        scene_card(scene, by_scene.get(scene.scene_index))


def last_result(overview: CampaignOverview) -> None:
    result = st.session_state.get("last_result")
    if result and result["campaign_id"] == overview.campaign_id:
        st.success(
            f"Scene {result['scene_index'] + 1:d} edited in {result['elapsed_s']:.2f}s "
            f"for ${result['cost']:.4f}. {md(result['changes_summary'])}",
            icon=":material/check_circle:",
        )
        row = campaigns.get_edit(get_ctx(), result["edit_id"], brand=current_brand())
        frame = pd.DataFrame([{**row.to_dict(), "timestamp": when(row.timestamp)}])
        columns = [
            "timestamp",
            "scene_index",
            "edit_prompt",
            "changes_summary",
            "cost",
            "elapsed_s",
            "status",
        ]
        st.dataframe(frame, hide_index=True, column_order=columns, column_config=HISTORY_COLUMNS)
    elif overview.status == "failed" and overview.error_message:
        st.warning(
            f"The last edit failed and changed nothing: {md(overview.error_message)}",
            icon=":material/warning:",
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
last_result(overview)

player, scene_list = st.columns([2, 3], gap="large")
with player:
    st.subheader("Final ad")
    if overview.final_video_url:
        st.video(overview.final_video_url)
    with st.expander("Campaign style"):
        st.json(overview.style_spec)
jobs = guarded(active_jobs, ctx, campaign_id, brand=current_brand()) or []
with scene_list:
    every = FOLLOW_ACTIVE if jobs else FOLLOW_IDLE
    st.fragment(run_every=every)(scenes_live)(
        campaign_id, overview.version, frozenset(j.edit_id for j in jobs)
    )

# The dialog stays open across reruns until it is closed; it follows the edit it submitted.
editing_index = st.session_state.get("edit_scene")
if editing_index is not None and editing_index < len(overview.scenes):
    running = {j.scene_index: j for j in jobs}.get(editing_index)
    edit_dialog(campaign_id, overview.scenes[editing_index], running)
