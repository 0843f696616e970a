"""The shared vocabulary: prompt text ⇄ Look, the cinematography block, and the phrase table."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from editing.providers.offline.intent import Refusal
from editing.providers.offline.lang import LANGUAGES, Language, english_words
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
from editing.providers.offline.phrases import MODIFIERS, match_normalized
from editing.providers.offline.reading import read_instruction
from editing.providers.offline.text import normalize
from editing.providers.offline.typos import Guess, Speller, one_edit
from editing.providers.offline.wordforms import ANY_WORD, PatternError, expand

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


# --------------------------------------------------------------------------- phrase patterns


def test_every_rule_expands_to_phrases_it_matches() -> None:
    for rule in RULES:
        compiled = re.compile(rule.pattern)
        phrases = expand(rule.pattern)
        assert phrases, rule.pattern
        for phrase in phrases:
            assert compiled.fullmatch(phrase.replace(ANY_WORD, "word")), (rule.pattern, phrase)


@pytest.mark.parametrize("pattern", ["a(b", "a[0-9]", "a.b", "a+", "a)b"])
def test_patterns_outside_the_subset_are_rejected(pattern: str) -> None:
    with pytest.raises(PatternError):
        expand(pattern)


def test_expand_spells_out_groups_sets_and_options() -> None:
    assert expand("colou?r(?:s| scheme)?") == [
        "colours",
        "colour scheme",
        "colour",
        "colors",
        "color scheme",
        "color",
    ]
    assert expand("gr[ae]y|slow(?:ly)? \\w+ in") == ["gray", "grey", "slowly * in", "slow * in"]


# --------------------------------------------------------------------------- languages


@pytest.mark.parametrize("language", LANGUAGES, ids=[language.code for language in LANGUAGES])
def test_every_foreign_look_phrase_reads_as_a_phrase_of_the_english_table(language: Language) -> None:
    for english in set(language.vocabulary.values()):
        # a noun ("saturation") says something once it has a direction
        assert match_normalized(normalize(english)) or match_normalized(f"more {english}"), (
            language.code,
            english,
        )


@pytest.mark.parametrize("language", LANGUAGES, ids=[language.code for language in LANGUAGES])
def test_every_foreign_grammar_word_reads_as_english_the_editor_knows(language: Language) -> None:
    known = english_words() | {w for rule in RULES for p in expand(rule.pattern) for w in p.split()}
    known |= {w for pattern in MODIFIERS.values() for p in expand(pattern) for w in p.split()}
    for english in set(language.phrases.values()):
        assert set(normalize(english).split()) <= known, (language.code, english)


@pytest.mark.parametrize(
    ("text", "main", "written_in"),
    [
        ("plus lumineux", "fr", {"fr"}),
        ("más brillante, por favor", "es", {"es"}),
        ("più caldo", "it", {"it"}),
        ("wärmer und heller", "de", {"de"}),
        ("make it brighter", "en", {"en"}),
        ("no more smoke, no petals", "en", {"en"}),  # "no" is Spanish too, but nothing else is
        ("plus chaud and add smoke", "en", {"en", "fr"}),
        ("golden hour con un po' di fumo", "it", {"it", "en"}),
    ],
)
def test_the_language_is_detected(text: str, main: str, written_in: set[str]) -> None:
    reading = read_instruction(text)
    assert reading.language == main and set(reading.languages) == written_in


#: A foreign instruction and the English one it must equal, across the whole vocabulary.
TRANSLATIONS = [
    # lighting
    ("beaucoup plus sombre", "much darker"),
    ("un poco más de luz", "a bit more light"),
    ("luce soffusa", "dim"),
    ("Gegenlicht", "backlit"),
    ("lumière douce", "soft light"),
    ("a la luz de las velas", "candlelight"),
    ("di notte", "at night"),
    ("Mondlicht", "moonlight"),
    # colour
    ("tons froids", "cool tones"),
    ("colores apagados", "muted colours"),
    ("in bianco e nero", "black and white"),
    ("fast keine Farbe", "almost no colour"),
    ("palette émeraude", "emerald palette"),
    ("oro rosa", "rose gold"),
    # camera
    ("gros plan sur le flacon", "close-up"),
    ("plano general", "wide shot"),
    ("panoramica a sinistra", "pan left"),
    ("Kamerafahrt an der Flasche entlang", "track along the bottle"),
    ("avance la caméra tout près", "push the camera in close"),
    ("grúa hacia arriba", "crane up"),
    # speed
    ("au ralenti", "slow motion"),
    ("cámara rápida", "time-lapse"),
    ("più lento", "slower"),
    # mood
    ("onirique", "dreamy"),
    ("misterioso", "mysterious"),
    ("verspielt", "playful"),
    # setting
    ("à la plage", "beach"),
    ("bajo el agua", "underwater"),
    ("nella foresta", "forest"),
    ("in der Wüste", "desert"),
    # elements, added and removed
    ("ajoute des bulles", "add bubbles"),
    ("sin humo", "no smoke"),
    ("togli i petali e la pioggia", "remove the petals and the rain"),
    ("kein Schnee mehr", "no more snow"),
    ("Rauch entfernen", "remove the smoke"),
    ("moins de fumée", "less smoke"),
    # product
    ("flacon plus grand", "bigger bottle"),
    ("botella más pequeña", "smaller bottle"),
    ("al centro", "centre the bottle"),
    ("Flasche tiefer im Bild", "bottle lower in frame"),
    # intensity and inversion
    ("un peu plus chaud", "a bit warmer"),
    ("molto più luminoso", "much brighter"),
    ("trop sombre", "too dark"),
    ("nicht so warm", "not so warm"),
]


@pytest.mark.parametrize(("foreign", "english"), TRANSLATIONS)
def test_a_foreign_instruction_does_what_its_english_does(foreign: str, english: str) -> None:
    smoky = replace(NEUTRAL, elements={"smoke": 1.0, "rose petals": 1.0, "rain": 1.0, "snow": 1.0})
    assert any(
        apply_instruction(current, english).look.key() != current.key() for current in (NEUTRAL, smoky)
    )
    for current in (NEUTRAL, smoky):
        expected = apply_instruction(current, english).look
        assert apply_instruction(current, foreign).look.key() == expected.key(), (foreign, english)


def test_english_phrases_stay_english_in_a_foreign_sentence() -> None:
    look = apply_instruction(NEUTRAL, "ajoute du rose gold et de la fumée").look
    assert look.palette == "rose gold" and "smoke" in look.present_elements()


def test_a_french_description_is_read_too() -> None:
    look = parse_description(
        "Un flacon sur du marbre, lumière dorée, beaucoup de fumée et des pétales de rose"
    )
    assert look.setting == "marble studio" and look.lighting == "golden hour"
    assert {"smoke", "rose petals"} <= set(look.present_elements())


# --------------------------------------------------------------------------- near-misses


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("make it brightr", "make it brighter"),
        ("add some smoek", "add some smoke"),
        ("a bit dakr", "a bit dark"),
        ("zomm in", "zoom in"),
        ("remvoe the petals", "remove the petals"),
        ("plus lumineu", "plus lumineux"),
    ],
)
def test_a_word_one_edit_from_a_known_word_is_understood(typed: str, meant: str) -> None:
    smoky = replace(NEUTRAL, elements={"rose petals": 1.0})
    assert apply_instruction(smoky, typed).look.key() == apply_instruction(smoky, meant).look.key()
    assert apply_instruction(smoky, typed).reading.corrections


@pytest.mark.parametrize("sentence", ["hold the shot", "walk in the park", "make it lovely", "told you"])
def test_real_words_are_not_corrected_into_the_vocabulary(sentence: str) -> None:
    assert read_instruction(sentence).corrections == ()


def test_speller_keeps_one_candidate_per_meaning() -> None:
    speller = Speller({"bright": "b", "brighter": "b", "color": "c", "colder": "k"}, known=["hold"])
    assert speller.guess("brightr") == Guess("brightr", ("brighter",))
    assert speller.guess("coler") == Guess("coler", ("colder", "color"))
    assert speller.guess("hold") is None and speller.guess("xyzzy") is None
    assert "gold" not in one_edit("hold") and "dark" not in one_edit("park")


# --------------------------------------------------------------------------- instructions or not


@pytest.mark.parametrize(
    ("text", "refusal"),
    [
        ("what is the weather in Paris", Refusal.QUESTION),
        ("is it too dark?", Refusal.QUESTION),
        ("¿qué tiempo hace en Madrid?", Refusal.QUESTION),
        ("hello from Paris", Refusal.GREETING),
        ("thank you", Refusal.GREETING),
        ("I love Paris", Refusal.OFF_TOPIC),
        ("my favourite colour is red", Refusal.OFF_TOPIC),
        ("tell me a joke about roses", Refusal.OFF_TOPIC),
        ("Paris is lovely", Refusal.OFF_TOPIC),
        ("the weather is warm in Milan today", Refusal.OFF_TOPIC),
    ],
)
def test_what_is_not_an_instruction_reads_as_nothing(text: str, refusal: Refusal) -> None:
    applied = apply_instruction(NEUTRAL, text)
    assert applied.matched == () and applied.reading.refusal is refusal


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("hi! can you make it warmer?", "can you make it warmer"),
        ("I want it brighter", "i want it brighter"),
        ("I love it, but warmer", "warmer"),
        ("it's too dark", "it s too dark"),
        ("golden hour?", "golden hour"),
        ("Guten Tag, bitte weniger Rauch", "please less smoke"),
    ],
)
def test_the_instruction_in_a_chatty_sentence_is_kept(text: str, kept: str) -> None:
    reading = read_instruction(text)
    assert reading.refusal is None and reading.english == kept
