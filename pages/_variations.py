"""The editor's variations: a picker (when there are several), Mark as selected, New variation, compare."""

from __future__ import annotations

import streamlit as st

from editing import variations
from editing.domain import CampaignOverview
from pages._common import current_brand, current_campaign, get_ctx, guarded
from pages._safe import md


def current_variation() -> int | None:
    """The variation the editor shows for the current campaign (None: the selected one)."""
    chosen = st.session_state.get("variation")
    if isinstance(chosen, tuple) and chosen[0] == current_campaign():
        return int(chosen[1])
    return None


def _show(campaign_id: str, number: int) -> None:
    st.session_state["variation"] = (campaign_id, number)
    for key in ("edit_preview", "group_preview", "last_edit"):  # they belong to the variation left
        st.session_state.pop(key, None)


def _picked(campaign_id: str) -> None:
    _show(campaign_id, int(st.session_state["variation_picker"]))


def _mark(campaign_id: str, number: int) -> None:
    guarded(variations.select_variation, get_ctx(), campaign_id, number, brand=current_brand())


def _new(campaign_id: str, source: int) -> None:
    made = guarded(variations.new_variation, get_ctx(), campaign_id, source=source, brand=current_brand())
    if made is not None:
        _show(campaign_id, made.index)


def _name(number: int, selected: int) -> str:
    return f"Variation {number:d}" + (" (selected)" if number == selected else "")


def variation_bar(overview: CampaignOverview) -> None:
    """The picker and Mark as selected (only with several variations), and New variation."""
    cid, shown, selected = overview.campaign_id, overview.variation, overview.selected_variation
    several = len(overview.variations) > 1
    pick, mark, new = st.columns([2, 1, 1], vertical_alignment="bottom")
    if several:
        st.session_state["variation_picker"] = shown
        pick.selectbox(
            "Variation",
            overview.variations,
            key="variation_picker",
            format_func=lambda n: _name(n, selected),
            on_change=_picked,
            args=(cid,),
        )
        mark.button(
            "Mark as selected",
            key="mark_selected",
            icon=":material/star:",
            width="stretch",
            disabled=shown == selected,
            on_click=_mark,
            args=(cid, shown),
            help="Make this the campaign's selected variation (selected_variation_index)",
        )
    new.button(
        "New variation",
        key="new_variation",
        icon=":material/add:",
        width="stretch",
        on_click=_new,
        args=(cid, shown),
        help="A copy of this variation to try an alternative (free)",
    )
    if several:
        with st.expander("Compare variations", icon=":material/compare:"):
            compare_variations(cid, overview.variations, selected)


def compare_variations(campaign_id: str, numbers: tuple[int, ...], selected: int) -> None:
    """Two variations side by side: their final ads and each scene's prompt."""
    listed = {
        v.index: v
        for v in guarded(variations.list_variations, get_ctx(), campaign_id, brand=current_brand()) or []
    }
    columns = st.columns(2)
    for n, column in enumerate(columns):
        number = column.selectbox(
            "Compare",
            numbers,
            index=min(n, len(numbers) - 1),
            key=f"compare_variation_{n}",
            format_func=lambda v: _name(v, selected),
        )
        one = listed.get(number)
        if one is None:
            continue
        if one.final_url:
            column.video(one.final_url)
        column.caption(f"{one.scenes:d} scenes · edits ${one.cost:.4f}")
        for i, prompt in enumerate(one.prompts):
            column.markdown(f"**{i + 1:d}.** {md(prompt)}")
