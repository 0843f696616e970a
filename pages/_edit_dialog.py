"""The edit dialogs of the Editor: one scene (instruction → preview → method → generate) and all scenes.

Everything that changes something is one call into editing/; the dialog keeps only ids
and the typed preview in session state, and follows the edit's progress from the database.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import streamlit as st

from editing import approvals
from editing.domain import MAX_INSTRUCTION_CHARS, SceneInfo
from editing.errors import AtelierError, BudgetExceededError, NotApplicableError, UnmappableInstructionError
from editing.finals import settle_group
from editing.jobs.group import GroupStatus, group_status
from editing.jobs.queue import EditRequest, JobStatus, edit_status, submit_edit, submit_group
from editing.pipeline import steps_of
from editing.preview import GroupPreview, MethodOption, PreviewResult, preview_all, preview_edit
from pages._common import current_brand, current_user, get_ctx, guarded, role_label
from pages._safe import diff_md, label, md
from pages._variations import current_variation

#: What each method is called in the dialog.
METHOD_NAMES = {"adjust": "Quick adjust", "regenerate": "Regenerate", "revert": "Revert", "upload": "Upload"}
#: Session keys of the dialogs (cleared when a dialog closes).
KEYS = ("edit_scene", "edit_key", "edit_following", "edit_preview", "edit_all", "group_preview", "group_id")


def close_dialog() -> None:
    for key in KEYS:
        st.session_state.pop(key, None)


def open_dialog(scene_index: int) -> None:
    close_dialog()
    st.session_state["edit_scene"] = scene_index
    st.session_state["dialog_pending"] = True  # the card's button reruns only its fragment
    st.session_state["edit_key"] = uuid.uuid4().hex  # one submission = one edit, whatever the clicks
    st.session_state.pop("last_edit", None)


def open_group_dialog() -> None:
    close_dialog()
    st.session_state["edit_all"] = True
    st.session_state.pop("last_edit", None)


def refused(exc: AtelierError, ask: ApprovalAsk | None = None) -> None:
    """A request the editor turned down: nothing was spent or changed (not an edit that failed).

    Over budget, the person may ask a manager to approve that one edit (``ask``).
    """
    if isinstance(exc, UnmappableInstructionError | NotApplicableError):
        st.warning(f"Refused: nothing was spent or changed. {md(exc)}", icon=":material/block:")
        return
    st.error(md(exc), icon=":material/error:")
    if isinstance(exc, BudgetExceededError) and ask is not None:
        st.button("Ask a manager to approve this edit", icon=":material/approval:", key="ask_approval",
                  on_click=ask_approval, args=(ask, str(exc)))  # fmt: skip


@dataclass(frozen=True)
class ApprovalAsk:
    """An edit refused by a budget, as it would be submitted."""

    campaign_id: str
    scene_index: int
    instruction: str
    request: dict[str, object]


def ask_approval(ask: ApprovalAsk, reason: str) -> None:
    asked = guarded(approvals.request_approval, get_ctx(), ask.campaign_id, ask.scene_index, ask.instruction,
                    reason=reason, brand=current_brand(), request=ask.request)  # fmt: skip
    if asked is not None:
        close_dialog()
        st.toast("Sent to the brand's managers: the edit runs once one approves it (Budgets page).",
                 icon=":material/approval:")  # fmt: skip


def progress_line(job: JobStatus) -> str:
    """'Generate scene… 40%' for a running edit, 'Queued…' before a worker takes it."""
    if job.status == "queued":
        return "Queued, waiting for a worker…"
    labels = dict(steps_of(job.method, group=True)) | dict(steps_of(job.method))
    step = labels.get(job.step or "", "Starting")
    pct = f" {job.fraction:.0%}" if job.fraction is not None and job.fraction < 1 else ""
    return f"{step}…{pct}"


def option_label(o: MethodOption) -> str:
    star = " · recommended" if o.recommended else ""
    budget = "" if o.within_budget else " · over budget"
    name = METHOD_NAMES.get(o.method, o.method)
    return f"{name} — ${o.estimated_cost:.4f}, about {o.estimated_seconds:.0f}s{star}{budget}"


def _instruction_form(scene: SceneInfo) -> tuple[str, bool, bool, bool]:
    with st.form("edit_form", border=False):
        instruction = st.text_area(
            "What should change?",
            placeholder="e.g. 'brighter', 'slow motion', 'add rose petals', 'warmer, closer', 'trim to 3 s'",
            required=True,
            key=f"instruction_{scene.scene_index}",
        )
        keep = st.toggle(
            "Speed changes keep the scene's length", value=True, help="Off: slow motion makes it longer"
        )
        left, right = st.columns(2)
        preview = left.form_submit_button(
            "Preview", type="primary", icon=":material/preview:", width="stretch"
        )
        now = right.form_submit_button("Edit now", icon=":material/auto_awesome:", width="stretch")
    return instruction or "", keep, preview, now


def too_long(text: str) -> bool:
    if len(text) > MAX_INSTRUCTION_CHARS:
        st.warning(
            f"Your instruction is {len(text):,d} characters; the limit is {MAX_INSTRUCTION_CHARS:,d}. "
            "Shorten it: nothing was sent.",
            icon=":material/content_cut:",
        )
        return True
    return False


@st.dialog("Edit scene", width="large", on_dismiss=close_dialog)
def edit_dialog(campaign_id: str, scene: SceneInfo, running: JobStatus | None) -> None:
    st.markdown(
        f"**Scene {scene.scene_index + 1:d} · {label(role_label(scene.role))}** · {scene.duration:d}s"
    )
    following = st.session_state.get("edit_following") or (running.edit_id if running else None)
    if following:
        follow_edit(following)
        return
    preview: PreviewResult | None = st.session_state.get("edit_preview")
    if preview is not None and preview.scene_index == scene.scene_index:
        show_preview(campaign_id, preview)
        return
    instruction, keep, want_preview, now = _instruction_form(scene)
    if not (want_preview or now) or too_long(instruction):
        return
    ctx, brand = get_ctx(), current_brand()
    try:
        if want_preview:
            with st.spinner("Rewriting the prompt…"):
                found = preview_edit(
                    ctx,
                    campaign_id,
                    scene.scene_index,
                    instruction,
                    brand=brand,
                    user=current_user(),
                    keep_length=keep,
                    variation=current_variation(),
                )
            st.session_state["edit_preview"] = found
        else:
            request = EditRequest(keep_length=keep, variation=current_variation())
            key = st.session_state.get("edit_key")
            response = submit_edit(
                ctx,
                campaign_id,
                scene.scene_index,
                instruction,
                brand=brand,
                user=current_user(),
                idempotency_key=key,
                request=request,
            )
            st.session_state["edit_following"] = response.edit_id
    except AtelierError as exc:
        refused(exc, ApprovalAsk(campaign_id, scene.scene_index, instruction, {"keep_length": keep}))
        return
    st.rerun()


def show_preview(campaign_id: str, preview: PreviewResult) -> None:
    """The rewrite, its diff and cost, the prompt to correct, and the methods to choose from."""
    st.caption(f"“{md(preview.instruction)}” · preview cost ${preview.cost:.4f} ({label(preview.provider)})")
    st.markdown(f"**What changes:** {md(preview.changes_summary)}")
    st.markdown(diff_md([(p.kind, p.text) for p in preview.diff]))
    prompt = st.text_area(
        "Prompt (you may correct it)",
        value=preview.modified_prompt,
        key=f"prompt_{preview.preview_id}",
        height=140,
    )
    options = {o.method: o for o in preview.options}
    chosen = st.radio(
        "How to make it",
        list(options),
        index=list(options).index(preview.recommended.method),
        format_func=lambda m: option_label(options[m]),
        key=f"method_{preview.preview_id}",
    )
    note = options[chosen].note
    st.caption(md(options[chosen].does) + (f" · {md(note)}" if note else ""))
    back, go = st.columns(2)
    if back.button("Change the instruction", icon=":material/arrow_back:", width="stretch"):
        st.session_state.pop("edit_preview", None)
        st.rerun()
    if go.button("Generate", type="primary", icon=":material/auto_awesome:", width="stretch"):
        corrected = prompt if prompt != preview.modified_prompt else None
        request = EditRequest(
            method=chosen, preview_id=preview.preview_id, prompt=corrected, variation=current_variation()
        )
        try:
            key = st.session_state.get("edit_key")
            response = submit_edit(get_ctx(), campaign_id, preview.scene_index, "", brand=current_brand(),
                                   user=current_user(), idempotency_key=key, request=request)  # fmt: skip
        except AtelierError as exc:
            asked: dict[str, object] = {
                "method": chosen,
                "preview_id": preview.preview_id,
                "prompt": corrected,
            }
            refused(exc, ApprovalAsk(campaign_id, preview.scene_index, preview.instruction, asked))
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
        steps = steps_of(job.method)
        order = [step for step, _ in steps]
        current = order.index(job.step) if job.step in order else -1
        with st.status(label(progress_line(job)), expanded=True):
            for i, (_, step_label) in enumerate(steps):
                mark = "✓" if i < current else ("◌" if i == current else "○")
                st.markdown(f"{md(mark)} {md(step_label)}")
            st.caption(f"{md(job.message or '')} · {job.elapsed_s:.1f}s")
        st.caption("You can close this dialog: the edit goes on, and the page updates when it ends.")
        return
    if job.status == "failed":
        st.error(
            "The edit failed and changed nothing."
            + (f" It spent ${job.cost:.4f} (recorded)." if job.cost else "")
            + f" {md(job.error or '')}",
            icon=":material/error:",
        )
        st.session_state.pop("edit_following", None)
        return
    st.session_state["last_edit"] = job.edit_id
    close_dialog()
    st.rerun()


# --- edit all scenes ------------------------------------------------------------------------------


@st.dialog("Edit all scenes", width="large", on_dismiss=close_dialog)
def group_dialog(campaign_id: str) -> None:
    group_id = st.session_state.get("group_id")
    if group_id:
        follow_group(group_id)
        return
    found: GroupPreview | None = st.session_state.get("group_preview")
    if found is not None:
        show_group_preview(campaign_id, found)
        return
    with st.form("group_form", border=False):
        text = st.text_area(
            "One instruction for every scene",
            placeholder="e.g. 'warmer everywhere', 'slow motion throughout', 'a bit darker'",
            required=True,
        )
        keep = st.toggle("Speed changes keep each scene's length", value=True)
        submitted = st.form_submit_button("Preview every scene", type="primary", icon=":material/preview:")
    if not submitted or too_long(text or ""):
        return
    try:
        with st.spinner("Rewriting every scene's prompt…"):
            st.session_state["group_preview"] = preview_all(
                get_ctx(),
                campaign_id,
                text or "",
                brand=current_brand(),
                user=current_user(),
                keep_length=keep,
                variation=current_variation(),
            )
    except AtelierError as exc:
        refused(exc)
        return
    st.rerun()


def show_group_preview(campaign_id: str, found: GroupPreview) -> None:
    st.markdown(f"“{md(found.instruction)}”")
    for index, preview in found.previews.items():
        o = preview.recommended
        st.markdown(f"**Scene {index + 1:d}** · {md(option_label(o))}  \n{md(preview.changes_summary)}")
    for index, why in found.refused.items():
        st.caption(f"Scene {index + 1:d} is left as it is: {md(why)}")
    st.info(
        f"Total: ${found.estimated_cost:.4f}, about {found.estimated_seconds:.0f}s, "
        "then ONE render of the final ad.",
        icon=":material/summarize:",
    )
    back, go = st.columns(2)
    if back.button("Change the instruction", icon=":material/arrow_back:", width="stretch"):
        st.session_state.pop("group_preview", None)
        st.rerun()
    if go.button(
        f"Edit {len(found.previews):d} scenes",
        type="primary",
        icon=":material/auto_awesome:",
        width="stretch",
    ):
        submission = guarded(submit_group, get_ctx(), campaign_id, found.instruction, brand=current_brand(),
                             user=current_user(), previews=found.preview_ids,
                             variation=current_variation())  # fmt: skip
        if submission is not None:
            st.session_state["group_id"] = submission.group_id
            st.rerun()


@st.fragment(run_every=0.5)
def follow_group(group_id: str) -> None:
    status: GroupStatus | None = guarded(group_status, get_ctx(), group_id, brand=current_brand())
    if status is None:
        return
    for e in status.edits:
        icon = {"completed": "✓", "failed": "✗"}.get(e.status, "◌")
        what = progress_line(e) if not e.done else (e.error or "done")
        method = METHOD_NAMES.get(e.method, e.method)
        st.markdown(f"{md(icon)} **Scene {e.scene_index + 1:d}** · {md(method)} · {md(what)}")
    if not status.done:
        st.caption("Scenes run side by side; the final ad is rendered once, when the last one ends.")
        return
    if status.final_video_url is None and status.status != "failed":
        guarded(settle_group, get_ctx(), uuid.UUID(group_id))  # the last edit's worker may have been lost
        st.caption("Rendering the final ad…")
        return
    if status.failed:
        st.warning(
            f"{len(status.failed):d} scene(s) failed and kept their version; the others are saved "
            f"and the final ad has exactly the current scenes. Cost ${status.cost:.4f}.",
            icon=":material/warning:",
        )
    else:
        st.success(
            f"Every scene edited, one final render. Cost ${status.cost:.4f}.", icon=":material/check_circle:"
        )
    if st.button("Close", type="primary"):
        close_dialog()
        st.rerun()
