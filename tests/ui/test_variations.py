"""The editor's variation picker through AppTest: New variation, the picker, Mark as selected, compare."""

from __future__ import annotations

from typing import Any

from streamlit.testing.v1 import AppTest

from editing import campaigns, variations
from editing.context import Atelier
from tests.ui.conftest import _app


def _labels(at: AppTest) -> list[str]:
    return [s.label for s in at.selectbox]


def _ok(at: AppTest) -> None:
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])


def test_the_picker_new_variation_mark_as_selected_and_compare(app_env: dict[str, Any]) -> None:
    at = _app().run()
    _ok(at)
    assert "Variation" not in _labels(at)  # one variation: no picker
    at.button(key="new_variation").click().run()
    _ok(at)
    picker = at.selectbox(key="variation_picker")
    assert picker.options == ["Variation 0 (selected)", "Variation 1"] and picker.value == 1
    assert not at.button(key="mark_selected").disabled
    assert _labels(at).count("Compare") == 2 and len(at.get("video")) >= 3  # the ad and both finals

    at.button(key="mark_selected").click().run()
    _ok(at)
    ctx = Atelier.open()
    try:
        cid = campaigns.list_campaigns(ctx)[0].campaign_id
        assert [v.selected for v in variations.list_variations(ctx, cid)] == [False, True]
        assert at.button(key="mark_selected").disabled
        at.selectbox(key="variation_picker").set_value(0).run()
        _ok(at)
        assert at.selectbox(key="variation_picker").value == 0 and not at.button(key="mark_selected").disabled
        assert campaigns.campaign_overview(ctx, cid).variation == 1  # looking is not selecting
    finally:
        ctx.close()
