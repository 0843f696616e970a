"""New campaign → Create: a template, the brief's form, its estimate, Generate, then the progress."""

from __future__ import annotations

from typing import Any

import streamlit as st

from editing import create
from editing.create.brief import MAX_SCENE_SECONDS, MAX_VARIATIONS, MIN_SCENE_SECONDS, ROLES, Template
from pages._common import current_brand, current_user, get_ctx, guarded, person, role_label, show_campaign
from pages._safe import label, md

#: Seconds between two looks at a creation's progress (it is on the campaign row: any tab sees it).
FOLLOW_EVERY = 1.0
SCENE_COLUMNS = {
    "role": st.column_config.SelectboxColumn("Role", options=list(ROLES), required=True),
    "duration": st.column_config.NumberColumn(
        "Seconds", min_value=MIN_SCENE_SECONDS, max_value=MAX_SCENE_SECONDS, step=0.5, required=True
    ),
    "prompt": st.column_config.TextColumn("Prompt", width="large", required=True),
}


def _style_fields(base: Template) -> dict[str, Any]:
    style = base.style
    left, right = st.columns(2)
    lighting = left.text_input("Lighting direction", style["lighting_direction"], key=f"c_light_{base.key}")
    camera = right.text_input("Camera style", style["camera_style"], key=f"c_camera_{base.key}")
    mood = left.text_input("Mood", style["mood_atmosphere"], key=f"c_mood_{base.key}")
    palette = right.text_input(
        "Colour palette (comma-separated)", ", ".join(style["color_palette"]), key=f"c_palette_{base.key}"
    )
    colours = [c.strip() for c in palette.split(",") if c.strip()]
    return {
        "lighting_direction": lighting,
        "camera_style": camera,
        "mood_atmosphere": mood,
        "color_palette": colours,
    }


def brief_form() -> dict[str, Any]:
    """The form, as the brief's JSON form (checked by editing.create, never here)."""
    found = create.templates()
    key = st.selectbox("Start from", list(found), format_func=lambda k: found[k].title, key="c_template")
    base = found[key]
    fixed = get_ctx().settings.brand
    left, right = st.columns(2)
    brand = left.text_input("Brand", fixed or current_brand() or "", disabled=bool(fixed), key="c_brand")
    perfume = right.text_input("Perfume", key="c_perfume", placeholder="Nuit Dorée")
    name = st.text_input("Campaign name (optional)", key="c_name")
    style = _style_fields(base)
    st.caption("Scenes — add, remove or change rows; a new template or perfume starts them again.")
    rows = st.data_editor(
        base.scene_rows(perfume),
        column_config=SCENE_COLUMNS,
        num_rows="dynamic",
        width="stretch",
        key=f"c_scenes_{key}_{perfume}",
    )
    variations = st.number_input("Variations", 1, MAX_VARIATIONS, 1, key="c_variations")
    brief: dict[str, Any] = {"brand": fixed or brand, "perfume": perfume, "template": key}
    brief.update(style_spec=style, scenes=[_row(r) for r in rows], variations=int(variations))
    if name.strip():
        brief["name"] = name
    return brief


def _row(row: dict[str, Any]) -> dict[str, Any]:
    """An editor row as a brief scene (an empty cell stays missing, so the brief says what is wrong)."""
    return {k: row[k] for k in ("role", "duration", "prompt") if row.get(k) is not None}


def estimate_panel(brief: create.Brief) -> create.CreationEstimate | None:
    estimate = guarded(create.estimate_creation, get_ctx(), brief)
    if estimate is None:
        return None
    cost, seconds, length = st.columns(3)
    cost.metric("Estimated cost", f"${estimate.cost:.4f}")
    seconds.metric("About", f"{estimate.estimated_seconds:d} s")
    length.metric("Video to generate", f"{estimate.seconds_of_video:g} s")
    st.caption(
        f"{estimate.scenes:d} scenes × {estimate.variations:d} variation(s) on "
        f"**{label(estimate.provider)}**, generated side by side, then the music bed and the final."
    )
    return estimate


def create_section() -> None:
    """Template → form → estimate → Generate; then the creation's progress, scene by scene."""
    following = st.session_state.get("creating")
    if following:
        follow_panel(following)
        return
    data = brief_form()
    if not str(data["perfume"]).strip():  # an untouched form is not an error
        st.caption("Name the perfume to see the estimate.")
        st.button("Generate", key="create_button", type="primary", disabled=True)
        return
    brief = guarded(create.parse_brief, data)
    if brief is None or estimate_panel(brief) is None:
        st.button("Generate", key="create_button", type="primary", disabled=True)
        return
    if st.button("Generate", key="create_button", type="primary", icon=":material/movie:"):
        started = guarded(create.start_creation, get_ctx(), brief, brand=person() or get_ctx().settings.brand,
                          user=current_user())  # fmt: skip
        if started is not None:
            st.session_state["creating"] = started.campaign_id
            show_campaign(started.brand, started.campaign_id)
            st.rerun()


def follow_panel(campaign_id: str) -> None:
    """The creation's progress; polled while it runs, then the result with a link to the Editor."""
    status = guarded(create.creation_status, get_ctx(), campaign_id, brand=current_brand())
    if status is None:
        st.session_state.pop("creating", None)
        return
    st.fragment(run_every=None if status.done else FOLLOW_EVERY)(_progress)(campaign_id, status.done)
    if status.done and st.button("Create another", key="create_another", icon=":material/add:"):
        st.session_state.pop("creating", None)
        st.rerun()


def _progress(campaign_id: str, was_done: bool) -> None:
    status = guarded(create.creation_status, get_ctx(), campaign_id, brand=current_brand())
    if status is None:
        return
    if status.done != was_done:
        st.rerun()  # it ended: redraw the page without polling
    st.markdown(f"**{label(status.name)}** — {status.completed_scenes:d}/{len(status.scenes):d} scenes")
    for s in status.scenes:
        if s.state == "failed":
            st.error(
                f"Variation {s.variation:d}, scene {s.scene_index + 1:d} ({label(role_label(s.role))}): "
                f"{md(s.error or '')}",
                icon=":material/error:",
            )
            continue
        where = f"Variation {s.variation:d}, scene {s.scene_index + 1:d}"
        text = f"{where} · {label(role_label(s.role))} · {s.duration:g}s — {label(s.message or s.state)}"
        st.progress(1.0 if s.state == "completed" else float(s.fraction or 0), text=text)
    _outcome(status)


def _outcome(status: create.CreationStatus) -> None:
    if status.state == "completed":
        st.success(
            f"Ready: **{label(status.name)}**, for ${status.cost:.4f}. It is the sidebar's campaign.",
            icon=":material/check_circle:",
        )
        st.page_link("pages/editor.py", label="Open it in the Editor", icon=":material/movie_edit:")
    elif status.state == "failed":
        st.error(f"The campaign could not be created: {md(status.error or '')}", icon=":material/error:")
        if st.button("Retry what is not done", key="create_retry", icon=":material/refresh:"):
            retried = guarded(create.retry_creation, get_ctx(), status.campaign_id, brand=current_brand())
            if retried is not None:
                st.rerun()
    else:
        st.caption(
            f"{label(status.state)}… Spent so far ${status.cost:.4f} "
            f"(estimated ${status.estimated_cost:.4f})."
        )
