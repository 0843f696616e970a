"""The rule-based prompt editor: what it understands, what it writes, what it refuses."""

from __future__ import annotations

import re

import pytest

from editing.config import Settings
from editing.domain import MAX_INSTRUCTION_CHARS, validate_instruction
from editing.errors import InputError, UnmappableInstructionError
from editing.providers import registry
from editing.providers.base import PromptEditor
from editing.providers.offline.editor import OfflinePromptEditor
from editing.providers.offline.look import Look, apply_instruction, find_matches, parse_prompt, resolve
from tests.measure import BASE_PROMPT as BASE
from tests.measure import PERFUME, STYLE


@pytest.fixture
def editor() -> OfflinePromptEditor:
    return OfflinePromptEditor(Settings())


def edit(editor: OfflinePromptEditor, instruction: str, prompt: str = BASE, role: str = "showcase") -> str:
    return editor.modify_scene_prompt(prompt, instruction, STYLE, role, PERFUME).modified_prompt


def look_of(prompt: str) -> Look:
    return resolve(parse_prompt(prompt, perfume_name=PERFUME, style_spec=STYLE))


def test_implements_the_protocol_and_is_registered() -> None:
    settings = Settings(prompt_editor="offline")
    built = registry.prompt_editor(settings)
    assert isinstance(built, OfflinePromptEditor)
    assert isinstance(built, PromptEditor)
    assert built.name == "offline"
    assert "offline" in built.check()


def test_output_keeps_the_concept_and_makes_cinematography_explicit(editor: OfflinePromptEditor) -> None:
    result = editor.modify_scene_prompt(BASE, "make it brighter", STYLE, "hook", PERFUME)
    prompt = result.modified_prompt
    assert prompt.startswith(BASE)  # the original concept, word for word
    assert PERFUME in prompt
    for section in ("Lighting:", "Colour:", "Camera:", "Motion:", "Product:"):
        assert section in prompt
    assert "9:16" in prompt and "hook scene" in prompt and "duration unchanged" in prompt
    assert "clearly visible" in prompt
    assert "bright" in prompt.lower()  # the seed's own test of this contract
    assert result.cost == 0.0 and result.provider == "offline"
    assert result.as_seed_dict() == {"modified_prompt": prompt, "changes_summary": result.changes_summary}


def test_summary_is_two_or_three_sentences(editor: OfflinePromptEditor) -> None:
    for instruction in ("brighter", "add rose petals", "warmer, slower and add gold dust, no smoke"):
        summary = editor.modify_scene_prompt(BASE, instruction, STYLE, "showcase", PERFUME).changes_summary
        sentences = [s for s in re.split(r"(?<=\.)\s+", summary) if s]
        assert 2 <= len(sentences) <= 3, summary
        assert PERFUME in summary


def test_several_changes_in_free_word_order(editor: OfflinePromptEditor) -> None:
    a = look_of(edit(editor, "brighter and warmer, and slow the camera down"))
    b = look_of(edit(editor, "slow the camera down, warmer and also brighter"))
    assert a.key() == b.key()
    base = look_of(BASE)
    assert a.num("brightness") > base.num("brightness")
    assert a.num("warmth") > base.num("warmth")
    assert a.num("camera_speed") < base.num("camera_speed")


@pytest.mark.parametrize("synonym", ["lighter", "more light", "sunnier", "brighten it up", "it's too dark"])
def test_synonyms_of_brighter(editor: OfflinePromptEditor, synonym: str) -> None:
    assert look_of(edit(editor, synonym)).num("brightness") > look_of(BASE).num("brightness")


def test_intensity_words_scale_the_change(editor: OfflinePromptEditor) -> None:
    levels = [
        look_of(edit(editor, text)).num("brightness")
        for text in ("a bit brighter", "brighter", "much brighter")
    ]
    assert levels[0] < levels[1] < levels[2]
    assert look_of(edit(editor, "way more saturated")).num("saturation") >= 2


def test_negation_and_removal(editor: OfflinePromptEditor) -> None:
    with_fx = edit(editor, "add smoke, rose petals and rain")
    assert set(look_of(with_fx).present_elements()) == {"smoke", "rose petals", "rain"}
    assert set(look_of(edit(editor, "no more smoke", with_fx)).present_elements()) == {"rose petals", "rain"}
    removed = look_of(edit(editor, "remove the petals and the rain", with_fx))
    assert set(removed.present_elements()) == {"smoke"}
    fewer = look_of(edit(editor, "less smoke", with_fx))
    assert 0 < fewer.elements["smoke"] < 1
    assert look_of(edit(editor, "make it less dark")).num("brightness") > 0
    assert look_of(edit(editor, "not so warm", edit(editor, "warmer"))).num("warmth") == 0


def test_removal_beats_an_element_the_concept_mentions(editor: OfflinePromptEditor) -> None:
    smoky = f"A {PERFUME} bottle in thick smoke on black marble."
    assert "smoke" in look_of(smoky).present_elements()
    assert "smoke" not in look_of(edit(editor, "get rid of the smoke", smoky)).present_elements()


def test_edits_accumulate_and_opposites_move_back(editor: OfflinePromptEditor) -> None:
    once = edit(editor, "brighter")
    twice = edit(editor, "brighter", once)
    assert look_of(twice).num("brightness") == 2 * look_of(once).num("brightness")
    warm_petals = edit(editor, "add rose petals", edit(editor, "warmer"))
    assert look_of(warm_petals).num("warmth") > 0 and "rose petals" in look_of(warm_petals).present_elements()
    back = edit(editor, "darker", once)
    assert look_of(back).key() == look_of(BASE).key()
    assert back.startswith(BASE) and back.count("Cinematography:") == 1


#: Instruction → (attribute, value it sets).
SETS = {
    "golden hour": ("lighting", "golden hour"),
    "backlit": ("lighting", "backlit"),
    "harsh light": ("lighting", "harsh"),
    "neon": ("lighting", "neon"),
    "candlelight": ("lighting", "candlelight"),
    "high key": ("lighting", "high key"),
    "low key": ("lighting", "low key"),
    "black and white": ("monochrome", True),
    "rose gold": ("palette", "rose gold"),
    "emerald": ("palette", "emerald"),
    "pastel": ("palette", "pastel"),
    "monochrome": ("palette", "monochrome"),
    "orbit": ("camera", "orbit"),
    "pan left": ("camera", "pan left"),
    "pan right": ("camera", "pan right"),
    "static": ("camera", "static"),
    "handheld": ("camera", "handheld"),
    "dolly out": ("camera", "dolly out"),
    "dreamy": ("mood", "dreamy"),
    "mysterious": ("mood", "mysterious"),
    "energetic": ("mood", "energetic"),
    "romantic": ("mood", "romantic"),
    "playful": ("mood", "playful"),
    "beach at sunset": ("setting", "beach at sunset"),
    "city at night": ("setting", "city at night"),
    "marble studio": ("setting", "marble studio"),
    "forest": ("setting", "forest"),
    "desert": ("setting", "desert"),
    "underwater": ("setting", "underwater"),
    "centre the bottle": ("centred", True),
}
#: Instruction → (number, direction it moves).
MOVES = {
    "zoom in": ("zoom", 1),
    "close-up": ("zoom", 1),
    "zoom out": ("zoom", -1),
    "wide shot": ("zoom", -1),
    "slow motion": ("speed", -1),
    "faster": ("speed", 1),
    "time-lapse": ("speed", 1),
    "make the bottle bigger": ("product_scale", 1),
    "hero shot": ("product_scale", 1),
    "lower in frame": ("product_y", 1),
}
ELEMENTS = (
    "rose petals",
    "gold dust",
    "water droplets",
    "smoke",
    "silk",
    "bokeh",
    "rain",
    "snow",
    "sparkles",
)


@pytest.mark.parametrize(("instruction", "expected"), SETS.items())
def test_vocabulary_sets(instruction: str, expected: tuple[str, object]) -> None:
    attr, value = expected
    assert getattr(apply_instruction(look_of(BASE), instruction).look, attr) == value


@pytest.mark.parametrize(("instruction", "expected"), MOVES.items())
def test_vocabulary_moves(instruction: str, expected: tuple[str, int]) -> None:
    attr, sign = expected
    current = look_of(BASE)
    assert (apply_instruction(current, instruction).look.num(attr) - current.num(attr)) * sign > 0


@pytest.mark.parametrize("element", ELEMENTS)
def test_vocabulary_adds(element: str) -> None:
    assert element in apply_instruction(look_of(BASE), f"add {element}").look.present_elements()


@pytest.mark.parametrize(
    "nonsense", ["asdf", "what is the weather", "the and of it", "please", "qwerty uiop"]
)
def test_unmappable_instructions_are_refused_with_examples(
    editor: OfflinePromptEditor, nonsense: str
) -> None:
    with pytest.raises(UnmappableInstructionError) as info:
        editor.modify_scene_prompt(BASE, nonsense, STYLE, "showcase", PERFUME)
    message = str(info.value)
    assert "\n" not in message and "for example" in message and "brighter" in message
    assert isinstance(info.value, InputError)


def test_an_edit_that_changes_nothing_is_refused(editor: OfflinePromptEditor) -> None:
    with pytest.raises(UnmappableInstructionError, match="would not change"):
        editor.modify_scene_prompt(BASE, "remove the petals", STYLE, "showcase", PERFUME)
    at_max = BASE
    for _ in range(2):  # +2 then +1 more (clamped at +3)
        at_max = edit(editor, "much brighter", at_max)
    with pytest.raises(UnmappableInstructionError, match="limit"):
        editor.modify_scene_prompt(at_max, "brighter", STYLE, "showcase", PERFUME)


def test_the_domain_validates_the_instruction_once_not_the_editor(editor: OfflinePromptEditor) -> None:
    with pytest.raises(InputError, match="empty"):
        validate_instruction("   ")
    with pytest.raises(InputError, match=str(MAX_INSTRUCTION_CHARS)):
        validate_instruction("brighter " * 400)
    long_but_visual = "brighter " * 400  # the editor itself applies what it is given
    assert look_of(edit(editor, long_but_visual)).num("brightness") > look_of(BASE).num("brightness")


def test_deterministic(editor: OfflinePromptEditor) -> None:
    a = editor.modify_scene_prompt(BASE, "warmer with gold dust", STYLE, "showcase", PERFUME)
    b = OfflinePromptEditor(Settings()).modify_scene_prompt(
        BASE, "warmer with gold dust", STYLE, "showcase", PERFUME
    )
    assert a == b


def test_perfume_and_brand_names_are_not_read_as_instructions() -> None:
    name = "Golden Night"
    prompt = f"A {name} bottle on a table."
    look = resolve(parse_prompt(prompt, perfume_name=name))
    assert look.lighting == "natural" and look.palette is None
    result = OfflinePromptEditor(Settings(brand="Noir Atelier")).modify_scene_prompt(
        prompt, "warmer, like Noir Atelier", {}, "cta", name
    )
    edited = resolve(parse_prompt(result.modified_prompt, perfume_name=name))
    assert edited.lighting == "natural" and edited.num("warmth") > 0
    assert "Lighting: natural light" in result.modified_prompt and "cta scene" in result.modified_prompt


def test_reads_a_free_text_prompt_from_another_editor(editor: OfflinePromptEditor) -> None:
    llm_prompt = f"Dark moody perfume scene: the {PERFUME} bottle in thick fog, slow orbit, neon accents."
    look = look_of(llm_prompt)
    assert look.num("brightness") < 0 and look.lighting == "neon" and look.camera == "orbit"
    assert "smoke" in look.present_elements()
    brighter = look_of(edit(editor, "brighter", llm_prompt))
    assert brighter.num("brightness") > look.num("brightness")
    assert brighter.lighting == "neon" and brighter.camera == "orbit"


def test_the_style_spec_is_the_baseline() -> None:
    dreamy_style = {**STYLE, "mood_atmosphere": "dreamy, ethereal"}
    result = OfflinePromptEditor().modify_scene_prompt(
        BASE, "more energetic", dreamy_style, "showcase", PERFUME
    )
    assert "Mood: energetic" in result.modified_prompt
    assert "dreamy mood" not in result.changes_summary and "energetic mood" in result.changes_summary


def test_empty_original_prompt_gets_a_concept(editor: OfflinePromptEditor) -> None:
    prompt = editor.modify_scene_prompt("", "golden hour", {}, "showcase", PERFUME).modified_prompt
    assert prompt.startswith(f"Luxury perfume ad scene featuring the {PERFUME} bottle.")


def test_matching_details() -> None:
    texts = [m.text for m in find_matches("Close-up!! with Rose-Gold tones, no smoke; black & white")]
    assert texts == ["close up", "rose gold tones", "smoke", "black & white"]
    (smoke,) = [m for m in find_matches("no smoke") if m.text == "smoke"]
    assert smoke.remove
    (gold,) = find_matches("gold dust")
    assert gold.text == "gold dust"  # the element, not the palette


def test_object_colours_and_style_words_do_not_become_the_palette() -> None:
    assert resolve(parse_prompt(f"The {PERFUME} bottle with a gold cap on white marble.")).palette is None
    assert resolve(parse_prompt(f"The {PERFUME} bottle, emerald tones.")).palette == "emerald"
    golden_key = {"lighting_direction": "soft golden key light from the left", "color_palette": ["plum"]}
    assert resolve(parse_prompt("A bottle.", style_spec=golden_key)).palette is None


def test_british_and_american_spelling() -> None:
    for text in ("bottle centred", "centre the bottle", "center it", "centered"):
        assert resolve(parse_prompt(text)).centred is True, text
    assert apply_instruction(look_of(BASE), "more colourful").look.num("saturation") > 0


# --------------------------------------------------------------------------- languages, typos, refusals

#: One instruction per language, and the English it must match, look for look.
SAME_AS_ENGLISH = [
    ("plus lumineux", "brighter"),
    ("más brillante, por favor", "brighter, please"),
    ("più caldo", "warmer"),
    ("wärmer und heller", "warmer and brighter"),
    ("ajoute des pétales de rose et de la poussière d'or", "add rose petals and gold dust"),
    ("hazlo más cálido y quita el humo", "make it warmer and remove the smoke"),
    ("rendilo più caldo e aggiungi petali di rosa", "make it warmer and add rose petals"),
    ("Mach es etwas heller, bitte", "make it a bit brighter, please"),
]


@pytest.mark.parametrize(("foreign", "english"), SAME_AS_ENGLISH)
def test_the_prompt_stays_english(editor: OfflinePromptEditor, foreign: str, english: str) -> None:
    base = edit(editor, "add smoke")
    assert edit(editor, foreign, base) == edit(editor, english, base)


def test_the_summary_says_what_was_understood(editor: OfflinePromptEditor) -> None:
    french = editor.modify_scene_prompt(BASE, "un peu plus chaud, sans fumée", STYLE, "showcase", PERFUME)
    assert french.changes_summary.startswith('Understood from French as "a bit warmer, without smoke".')
    assert "warmer 5300K white balance" in french.changes_summary
    mixed = editor.modify_scene_prompt(BASE, "plus chaud and add smoke", STYLE, "showcase", PERFUME)
    assert mixed.changes_summary.startswith('Understood from English and French as "warmer and add smoke".')
    typo = editor.modify_scene_prompt(BASE, "make it brightr", STYLE, "showcase", PERFUME)
    assert typo.changes_summary.startswith('Read "brightr" as "brighter". The scene now has brighter')
    plain = editor.modify_scene_prompt(BASE, "make it brighter", STYLE, "showcase", PERFUME)
    assert plain.changes_summary.startswith("The scene now has brighter exposure")
    for result in (french, mixed, typo, plain):
        sentences = [s for s in re.split(r"(?<=\.)\s+", result.changes_summary) if s]
        assert 2 <= len(sentences) <= 3, result.changes_summary


@pytest.mark.parametrize(
    ("instruction", "reason", "example"),
    [
        ("what is the weather in Paris", "a question", "make it brighter"),
        ("Can you tell me the weather in Paris?", "something other than the scene", "make it brighter"),
        ("I love Paris", "something other than the scene", "make it brighter"),
        ("hello from Paris", "a greeting", "make it brighter"),
        ("quel temps fait-il à Paris ?", "a question", "plus lumineux"),
        ("bonjour", "a greeting", "plus lumineux"),
        ("¿qué tiempo hace en Madrid?", "a question", "más brillante"),
        ("che tempo fa a Milano?", "a question", "più luminoso"),
        ("Wie ist das Wetter in Berlin?", "a question", "heller"),
        ("Hallo", "a greeting", "heller"),
    ],
)
def test_questions_greetings_and_chat_are_refused_in_their_language(
    editor: OfflinePromptEditor, instruction: str, reason: str, example: str
) -> None:
    with pytest.raises(UnmappableInstructionError) as info:
        editor.modify_scene_prompt(BASE, instruction, STYLE, "showcase", PERFUME)
    message = str(info.value)
    assert f"reads as {reason}" in message and "for example" in message and f'"{example}' in message


def test_an_ambiguous_near_miss_is_answered_with_did_you_mean(editor: OfflinePromptEditor) -> None:
    with pytest.raises(UnmappableInstructionError, match='did you mean "colder" or "color"'):
        editor.modify_scene_prompt(BASE, "coler", STYLE, "showcase", PERFUME)


def test_a_request_in_question_form_is_an_instruction(editor: OfflinePromptEditor) -> None:
    for question in (
        "hi! can you make it warmer?",
        "could you add smoke?",
        "what about more smoke?",
        "warmer?",
    ):
        assert edit(editor, question) != BASE, question
