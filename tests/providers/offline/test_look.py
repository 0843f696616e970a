"""The shared vocabulary: prompt text ⇄ Look, the cinematography block, and the phrase table."""

from __future__ import annotations

from dataclasses import replace

import pytest

from editing.providers.offline.look import (
    BLOCK_MARKER,
    PALETTES,
    RULES,
    Look,
    apply_instruction,
    find_matches,
    focal_mm,
    kelvin,
    parse_block,
    parse_description,
    parse_prompt,
    render_block,
    resolve,
    split_prompt,
)

NEUTRAL = resolve(Look())

LOOKS = (
    NEUTRAL,
    Look(
        brightness=1.5, contrast=-1, warmth=2.25, saturation=-0.5, lighting="golden hour", palette="emerald"
    ),
    Look(
        monochrome=True, saturation=-1, camera="orbit", camera_speed=-0.5, zoom=2, speed=-1, mood="mysterious"
    ),
    Look(setting="underwater", centred=True, product_scale=1, product_y=-1.5, speed=2),
    Look(elements={"smoke": 1.0, "rose petals": 0.5, "rain": 0.0, "gold dust": 2.0}),
)


@pytest.mark.parametrize("look", LOOKS)
def test_the_block_reads_back_what_it_wrote(look: Look) -> None:
    block = render_block(look, perfume_name="Maison Lumière", role="hook")
    assert block.startswith(BLOCK_MARKER)
    assert parse_block(block).key() == resolve(look).key()


def test_the_block_states_numbers_a_reader_understands() -> None:
    block = render_block(Look(brightness=1, warmth=1, zoom=1), perfume_name="Noir", role="cta")
    assert "exposure +1 stop (brighter)" in block and f"{kelvin(1)}K" in block
    assert f"{focal_mm(1)}mm close framing" in block and "the Noir bottle" in block and "cta scene" in block
    assert kelvin(0) == 5600 and kelvin(1) < 5600 and focal_mm(0) == 50


def test_split_prompt_separates_concept_and_block() -> None:
    block = render_block(NEUTRAL, perfume_name="P", role="hook")
    assert split_prompt(f"A bottle. {block}") == ("A bottle.", block)
    assert split_prompt("  A bottle.  ") == ("A bottle.", "")
    assert parse_block("") == Look()


def test_the_block_wins_over_the_concept_words() -> None:
    block = render_block(Look(brightness=-1), perfume_name="P", role="hook")
    assert resolve(parse_prompt(f"A bright sunny scene. {block}")).num("brightness") == -1
    assert resolve(parse_prompt("A bright sunny scene.")).num("brightness") > 0


def test_descriptions_set_absolute_values() -> None:
    look = parse_description("a dark, smoky marble studio with slow orbit and neon accents")
    assert look.num("brightness") < 0 and look.setting == "marble studio" and look.camera == "orbit"
    assert look.lighting == "neon" and "smoke" in look.present_elements()
    assert parse_description("no smoke").elements == {"smoke": 0.0}


def test_every_palette_is_reachable_by_name() -> None:
    for name in PALETTES:
        assert apply_instruction(NEUTRAL, f"{name} palette").look.palette == name, name


def test_the_longest_phrase_wins() -> None:
    assert len(RULES) > 90
    assert [m.text for m in find_matches("golden hour, rose gold tones")] == [
        "golden hour",
        "rose gold tones",
    ]


def test_applied_reports_what_matched() -> None:
    applied = apply_instruction(NEUTRAL, "a bit warmer, no smoke")
    assert applied.matched == ("warmer", "smoke")
    assert applied.look.num("warmth") == 0.5 and applied.look.elements == {"smoke": 0.0}


@pytest.mark.parametrize(
    ("instruction", "camera", "field", "sign"),
    [
        ("push the camera in close on the bottle", "dolly in", "zoom", 1),
        ("push in", "dolly in", "zoom", 1),
        ("move in close", "dolly in", "zoom", 1),
        ("pull back", "dolly out", "zoom", -1),
        ("pull the camera away", "dolly out", "zoom", -1),
        ("crane up", "dolly out", "product_y", 1),
        ("crane down", "dolly in", "product_y", -1),
        ("track along the bottle", "pan right", "zoom", 0),
        ("track left", "pan left", "zoom", 0),
    ],
)
def test_camera_phrasing(instruction: str, camera: str, field: str, sign: int) -> None:
    look = apply_instruction(NEUTRAL, instruction).look
    assert look.camera == camera
    assert (look.num(field) > 0) - (look.num(field) < 0) == sign


def test_intensity_words_order_the_step() -> None:
    texts = ("a hint brighter", "brighter", "quite a bit brighter", "much brighter", "much much brighter")
    levels = [apply_instruction(NEUTRAL, text).look.num("brightness") for text in texts]
    assert levels == [0.5, 1.0, 1.5, 2.0, 3.0]
    assert apply_instruction(NEUTRAL, "noticeably warmer").look.num("warmth") == 1.5


def test_almost_no_colour_leaves_a_trace() -> None:
    for text in ("almost no colour", "desaturate it, almost no color", "nearly black and white"):
        look = apply_instruction(NEUTRAL, text).look
        assert look.monochrome is False and -3 < look.num("saturation") <= -2.5, text
    assert apply_instruction(NEUTRAL, "no colour").look.monochrome is True


@pytest.mark.parametrize(
    "instruction",
    [
        "warmer",
        "cooler, like early morning",
        "candlelit, warm and intimate",
        "more saturated",
        "emerald tones",
    ],
)
def test_a_colour_request_brings_colour_back(instruction: str) -> None:
    black_and_white = replace(NEUTRAL, monochrome=True, saturation=-1.0)
    look = apply_instruction(black_and_white, instruction).look
    assert look.monochrome is False, instruction
    assert look.num("saturation") == black_and_white.num("saturation") + (
        1 if "saturated" in instruction else 0
    )


def test_colour_stays_away_when_the_instruction_also_asks_for_black_and_white() -> None:
    black_and_white = replace(NEUTRAL, monochrome=True)
    assert apply_instruction(black_and_white, "warmer, still black and white").look.monochrome is True
    assert apply_instruction(NEUTRAL, "warmer and black and white").look.monochrome is True
    muted = apply_instruction(black_and_white, "more muted").look  # no colour to mute: nothing visible
    assert (
        muted.key(visible=True) == black_and_white.key(visible=True) and muted.key() != black_and_white.key()
    )
