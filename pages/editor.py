"""Editor: the final ad and its versions, the scenes with their versions, edits through dialogs (jobs)."""

from __future__ import annotations

import streamlit as st

from editing import budgets, campaigns, style, transfer
from editing.continuity import ContinuityFlag, continuity_flags, submit_match
from editing.domain import CampaignOverview, SceneInfo
from editing.jobs.queue import JobStatus, active_jobs
from editing.providers.offline.look import BLOCK_MARKER, split_prompt
from pages._common import (
    current_brand,
    current_campaign,
    current_user,
    get_ctx,
    guarded,
    role_label,
    show_campaign,
    when,
)
from pages._edit_dialog import (
    METHOD_NAMES,
    edit_dialog,
    group_dialog,
    open_dialog,
    open_group_dialog,
    progress_line,
)
from pages._safe import label, md
from pages._uploads import music_upload, product_upload, scene_upload
from pages._variations import current_variation, variation_bar
from pages._versions import compare_view, download, finals_panel, open_versions, undo, versions_dialog

#: Seconds between two looks at the campaign's edits: fast while one runs, slow to notice others'.
FOLLOW_ACTIVE, FOLLOW_IDLE = 1.0, 5.0


def _match(campaign_id: str, scene_index: int) -> None:
    response = guarded(
        submit_match,
        get_ctx(),
        campaign_id,
        scene_index,
        brand=current_brand(),
        user=current_user(),
        variation=current_variation(),
    )
    if response is not None:
        st.session_state["edit_scene"] = scene_index
        st.session_state["edit_following"] = response.edit_id


def scene_card(
    campaign_id: str, scene: SceneInfo, running: JobStatus | None, flag: ContinuityFlag | None
) -> None:
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
        if flag is not None and running is None:
            body.warning(f"Stands out: {md(flag.message)}.", icon=":material/contrast:")
            body.button("Match its neighbours ($0)", key=f"match_{scene.scene_index}", icon=":material/tune:",
                        on_click=_match, args=(campaign_id, scene.scene_index))  # fmt: skip
        if running is not None:
            body.info(
                f"{md(progress_line(running))} · {label(running.user)}", icon=":material/hourglass_top:"
            )
        elif scene.edit_count:
            body.caption(f"Edited {scene.edit_count:d}× · last {md(when(scene.last_edited_at))}")
        else:
            body.caption("Not edited yet")
        edit, history, back = body.columns(3)
        edit.button("Edit", key=f"edit_{scene.scene_index}", icon=":material/edit:", type="primary",
                    on_click=open_dialog, args=(scene.scene_index,), width="stretch")  # fmt: skip
        history.button("Versions", key=f"versions_{scene.scene_index}", icon=":material/layers:",
                       on_click=open_versions, args=(scene.scene_index,), width="stretch")  # fmt: skip
        back.button("Undo", key=f"undo_{scene.scene_index}", icon=":material/undo:", width="stretch",
                    disabled=not scene.edit_count or running is not None, help="The version before (free)",
                    on_click=undo, args=(campaign_id, scene.scene_index))  # fmt: skip
        with body:
            scene_upload(campaign_id, scene, busy=running is not None)


def scenes_live(campaign_id: str, version: int, edits: frozenset[str]) -> None:
    """The scene cards, following running edits (anyone's); a full rerun when one starts or ends."""
    ctx, brand, variation = get_ctx(), current_brand(), current_variation()
    overview = guarded(campaigns.campaign_overview, ctx, campaign_id, brand=brand, variation=variation)
    if overview is None:
        return
    jobs = guarded(active_jobs, ctx, campaign_id, brand=brand, variation=overview.variation) or []
    changed = overview.version != version or frozenset(j.edit_id for j in jobs) != edits
    if changed or st.session_state.pop("dialog_pending", False):
        st.rerun()  # an edit started or ended, or a dialog opens: redraw the page
    by_scene = {j.scene_index: j for j in jobs}
    found = guarded(continuity_flags, ctx, campaign_id, brand=brand, variation=variation) or []
    flags = {f.scene_index: f for f in found}
    head, all_button = st.columns([2, 1], vertical_alignment="center")
    head.subheader(f"Scenes ({len(overview.scenes):d})")
    all_button.button("Edit all scenes", icon=":material/select_all:", on_click=open_group_dialog,
                      disabled=bool(jobs), width="stretch")  # fmt: skip
    for scene in overview.scenes:
        scene_card(campaign_id, scene, by_scene.get(scene.scene_index), flags.get(scene.scene_index))


def last_edit(overview: CampaignOverview) -> None:
    """The edit that just ended: what it did, and its before and after."""
    edit_id = st.session_state.get("last_edit")
    record = guarded(campaigns.get_edit, get_ctx(), edit_id, brand=current_brand()) if edit_id else None
    if record is not None and record.status == "completed":
        method = METHOD_NAMES.get(record.method, record.method)
        st.success(
            f"Scene {record.scene_index + 1:d}: {md(method)} in {record.elapsed_s:.2f}s "
            f"for ${record.cost:.4f}. {md(record.changes_summary or '')}",
            icon=":material/check_circle:",
        )
        with st.expander("Compare before and after", icon=":material/compare:", expanded=True):
            compare_view(record.edit_id)
    elif overview.status == "failed" and overview.error_message:
        st.warning(
            f"The last edit failed and changed nothing: {md(overview.error_message)}",
            icon=":material/warning:",
        )


def duplicate(campaign_id: str) -> None:
    copy = guarded(transfer.duplicate_campaign, get_ctx(), campaign_id, brand=current_brand())
    if copy is not None:
        show_campaign(copy.brand, copy.campaign_id)
        st.toast(f"Duplicated as {md(copy.name)}", icon=":material/content_copy:")


def style_panel(overview: CampaignOverview) -> None:
    swatches = style.palette(overview.style_spec)
    if swatches:
        cols = st.columns(len(swatches))
        for col, swatch in zip(cols, swatches, strict=True):
            if swatch.hex:
                col.color_picker(label(swatch.name), swatch.hex, disabled=True, key=f"swatch_{swatch.name}")
            else:
                col.caption(label(swatch.name))
    for field in style.fields(overview.style_spec):
        st.markdown(f"**{md(field.label)}:** {md(field.value)}")


ctx = get_ctx()
campaign_id = current_campaign()
if campaign_id is None:
    st.info("No campaign yet: import or create one on the New campaign page.", icon=":material/add_circle:")
    st.page_link("pages/new_campaign.py", label="New campaign", icon=":material/add_circle:")
    st.stop()
overview = guarded(
    campaigns.campaign_overview, ctx, campaign_id, brand=current_brand(), variation=current_variation()
)
if overview is None:
    st.stop()

title, copy = st.columns([4, 1], vertical_alignment="bottom")
title.title(label(overview.name))
copy.button(
    "Duplicate",
    icon=":material/content_copy:",
    on_click=duplicate,
    args=(campaign_id,),
    width="stretch",
    help="A copy of this campaign to try an alternative; the original stays as it is",
)
st.caption(f"{label(overview.brand_name)} · {label(overview.perfume_name)} · total cost ${overview.cost:.4f}")
if not overview.scenes:  # created from a brief: its scenes are being generated, or that failed
    st.info("This campaign has no scenes yet: it is being created.", icon=":material/hourglass_top:")
    st.page_link("pages/new_campaign.py", label="Follow its creation", icon=":material/add_circle:")
    st.stop()
variation_bar(overview)
last_edit(overview)
for budget in guarded(budgets.warnings, ctx, campaign_id, brand=current_brand()) or []:
    st.warning(
        f"The {md(budget.label)} is {100 * budget.fraction:.0f} % used: ${budget.remaining_usd:,.2f} left "
        f"of ${budget.limit_usd:,.2f}.",
        icon=":material/savings:",
    )

player, scene_list = st.columns([2, 3], gap="large")
with player:
    st.subheader("Final ad")
    if overview.final_video_url:
        st.video(overview.final_video_url)
        download("Download the final ad", overview.final_video_url, key="dl_final_current")
    with st.expander("Every final ad", icon=":material/video_library:"):
        finals_panel(campaign_id)
    with st.expander("Campaign style", icon=":material/palette:", expanded=True):
        style_panel(overview)
    with st.expander("Music", icon=":material/music_note:", expanded="music_done" in st.session_state):
        music_upload(campaign_id)
    with st.expander("Product image", icon=":material/photo_camera:"):
        product_upload(campaign_id)
jobs = guarded(active_jobs, ctx, campaign_id, brand=current_brand(), variation=overview.variation) or []
with scene_list:
    every = FOLLOW_ACTIVE if jobs else FOLLOW_IDLE
    st.fragment(run_every=every)(scenes_live)(
        campaign_id, overview.version, frozenset(j.edit_id for j in jobs)
    )

# A dialog stays open across reruns until it is closed; the edit dialog follows the edit it submitted.
editing_index = st.session_state.get("edit_scene")
versions_index = st.session_state.get("versions_scene")
if editing_index is not None and editing_index < len(overview.scenes):
    running = {j.scene_index: j for j in jobs}.get(editing_index)
    edit_dialog(campaign_id, overview.scenes[editing_index], running)
elif versions_index is not None and versions_index < len(overview.scenes):
    versions_dialog(campaign_id, versions_index)
elif st.session_state.get("edit_all"):
    group_dialog(campaign_id)
