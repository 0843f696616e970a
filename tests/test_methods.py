"""Which method makes an edit: the quick adjust for grading and timing, a regeneration for content."""

from __future__ import annotations

import pytest

from editing.errors import InputError
from editing.methods import Method, plan_methods, read_trim

PROMPT = "Luxury perfume bottle on white marble, soft studio light, gentle dolly in."


@pytest.mark.parametrize(
    ("instruction", "does"),
    [
        ("make it brighter", ["exposure +1 stop"]),
        ("a bit darker", ["exposure -0.5 stops"]),
        ("warmer please", ["warmer white balance (-600 K)"]),
        ("cooler and more saturated", ["cooler white balance (+600 K)", "saturation +30%"]),
        ("less saturated", ["saturation -30%"]),
        ("black and white", ["black and white"]),
        ("more contrast", ["contrast +25%"]),
        ("slow motion", ["slow motion 0.50x"]),
        ("faster", ["faster 2.00x"]),
        ("zoom in", ["zoom in 1.25x"]),
        ("closer", ["zoom in 1.25x"]),
        ("trim to 3 seconds", ["trimmed to 3 s"]),
        ("shorten by 1 second", ["trimmed to 3 s"]),
        ("brighter, then trim it to 2.5s", ["exposure +1 stop", "trimmed to 2.5 s"]),
        ("plus lumineux", ["exposure +1 stop"]),  # French
        ("más cálido", ["warmer white balance (-600 K)"]),  # Spanish
        ("in bianco e nero", ["black and white"]),  # Italian
        ("Zeitlupe", ["slow motion 0.50x"]),  # German
    ],
)
def test_grading_and_timing_are_a_quick_adjust(instruction: str, does: list[str]) -> None:
    plan = plan_methods(PROMPT, instruction, duration=4.0, perfume_name="Rose")
    assert plan.wholly_adjustable, (plan.blockers, plan.unread)
    assert plan.recommended is Method.ADJUST
    assert plan.adjustment is not None and plan.adjustment.describe() == does


@pytest.mark.parametrize(
    ("instruction", "why"),
    [
        ("add rose petals", "adds rose petals"),
        ("beach at sunset", "changes the setting"),
        ("golden hour lighting", "changes the lighting"),
        ("wider shot", "zooms out"),
        ("move the bottle up", "moves the bottle"),
        ("make it brighter and add gold dust", "adds gold dust"),
        ("emerald palette", "changes the palette"),
    ],
)
def test_new_content_can_only_regenerate(instruction: str, why: str) -> None:
    plan = plan_methods(PROMPT, instruction, duration=4.0, perfume_name="Rose")
    assert not plan.adjustable and plan.recommended is Method.REGENERATE
    assert why in plan.why_not_adjust
    assert plan.choose("auto") is Method.REGENERATE and plan.choose("regenerate") is Method.REGENERATE
    with pytest.raises(InputError, match="Quick adjust is not possible"):
        plan.choose("adjust")


def test_words_it_does_not_read_keep_auto_on_regenerate_but_allow_an_explicit_adjust() -> None:
    plan = plan_methods(PROMPT, "make it brighter and add a black cat", duration=4.0)
    assert plan.adjustable and not plan.wholly_adjustable
    assert "cat" in plan.unread and "would ignore" in plan.why_not_adjust
    assert plan.choose("auto") is Method.REGENERATE
    assert plan.choose("adjust") is Method.ADJUST


def test_nothing_to_adjust_and_unknown_method() -> None:
    plan = plan_methods(PROMPT, "hello there", duration=4.0)
    assert plan.adjustment is None and not plan.adjustable
    with pytest.raises(InputError, match="Unknown method 'fast'"):
        plan.choose("fast")


def test_black_and_white_cannot_take_colour_back() -> None:
    mono = PROMPT + " Cinematography: Colour: neutral 5600K white balance, black and white, saturation +0%."
    assert plan_methods(mono, "more colourful", duration=4.0).blockers == ("brings colour back",)


def test_the_speed_length_choice_is_carried() -> None:
    plan = plan_methods(PROMPT, "slow motion", duration=4.0, keep_length=False)
    assert plan.adjustment is not None and plan.adjustment.duration_after(4.0) == 8.0


@pytest.mark.parametrize(
    ("instruction", "error"),
    [
        ("trim to 0.2 s", "at least 0.5 s"),
        ("trim to 9 seconds", "shorter, not 9 s"),
        ("shorten by 4 s", "at least"),
    ],
)
def test_a_bad_trim_is_refused(instruction: str, error: str) -> None:
    with pytest.raises(InputError, match=error):
        read_trim(instruction, 4.0)
