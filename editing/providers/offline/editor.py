"""The rule-based prompt editor: understands a marketer's instruction without an API key.

It reads the current prompt into a :class:`~editing.providers.offline.look.Look`,
applies the instruction (in English, French, Spanish, Italian or German; free word
order, several changes, negation, intensity, synonyms, near-misses) and writes the
full prompt back in English: the original concept word for word, then an explicit
cinematography block the procedural generator reads. Because the block holds
absolute values, a second edit starts from the first one's result and "brighter"
then "darker" lands where it started. The summary says how the instruction was read;
a refusal says why, with examples in the instruction's language.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from editing.config import Settings
from editing.errors import UnmappableInstructionError
from editing.providers.base import PromptEdit
from editing.providers.offline.lang import ENGLISH, NAMES
from editing.providers.offline.lang import EXAMPLES as LANGUAGE_EXAMPLES
from editing.providers.offline.look import (
    Applied,
    Look,
    Reading,
    apply_instruction,
    focal_mm,
    kelvin,
    parse_prompt,
    render_block,
    resolve,
    split_prompt,
)

log = logging.getLogger(__name__)

EXAMPLES = LANGUAGE_EXAMPLES[ENGLISH]

_CAMERA_WORDS = {
    "static": "a locked-off static camera",
    "orbit": "a slow orbit around the bottle",
    "pan left": "a pan to the left",
    "pan right": "a pan to the right",
    "dolly in": "a gentle dolly in",
    "dolly out": "a dolly out",
    "handheld": "an organic handheld camera",
}


def _stops(x: float) -> str:
    value = f"{x:+.2f}".rstrip("0").rstrip(".")
    return f"{value} stop" + ("" if abs(x) == 1 else "s")


def _exposure(old: Look, new: Look, d: float) -> str:
    return f"{'brighter' if d > 0 else 'darker'} exposure (now {_stops(new.num('brightness'))})"


def _contrast(old: Look, new: Look, d: float) -> str:
    return "more contrast" if d > 0 else "softer contrast"


def _warmth(old: Look, new: Look, d: float) -> str:
    return f"a {'warmer' if d > 0 else 'cooler'} {kelvin(new.num('warmth'))}K white balance"


def _saturation(old: Look, new: Look, d: float) -> str | None:
    if new.monochrome:
        return None
    pct = round(30 * new.num("saturation"))
    return f"{'richer, more saturated' if d > 0 else 'more muted'} colour (saturation {pct:+d}%)"


def _camera_speed(old: Look, new: Look, d: float) -> str:
    return f"{'faster' if d > 0 else 'slower'} camera movement ({2 ** new.num('camera_speed'):.2f}x)"


def _zoom(old: Look, new: Look, d: float) -> str:
    return f"{'closer' if d > 0 else 'wider'} framing ({focal_mm(new.num('zoom'))}mm)"


def _speed(old: Look, new: Look, d: float) -> str:
    v = new.num("speed")
    if v >= 1.75:
        return f"time-lapse motion ({2**v:.0f}x)"
    if v < 0 and d < 0:
        return f"slow motion ({2**v:.2f}x)"
    return f"{'faster' if d > 0 else 'slower'} motion ({2**v:.2f}x)"


def _product_scale(old: Look, new: Look, d: float) -> str:
    return f"a {'larger' if d > 0 else 'smaller'} bottle ({1.2 ** new.num('product_scale'):.2f}x)"


def _product_y(old: Look, new: Look, d: float) -> str:
    return f"the bottle {'lower' if d > 0 else 'higher'} in frame"


#: How a moved number reads, in the order the summary lists changes (categories in between).
_NUMBERS: dict[str, Callable[[Look, Look, float], str | None]] = {
    "brightness": _exposure,
    "contrast": _contrast,
    "warmth": _warmth,
    "saturation": _saturation,
    "camera_speed": _camera_speed,
    "zoom": _zoom,
    "speed": _speed,
    "product_scale": _product_scale,
    "product_y": _product_y,
}


def _a(word: str) -> str:
    return f"{'an' if word[:1] in 'aeiou' else 'a'} {word}"


#: How a changed category reads; ``None`` values have their own wording.
_CATEGORIES: dict[str, Callable[[Any], str]] = {
    "lighting": lambda v: f"{v} lighting",
    "monochrome": lambda v: "a black and white picture" if v else "its colour back",
    "palette": lambda v: f"{_a(v)} palette" if v else "the campaign's own palette",
    "camera": lambda v: _CAMERA_WORDS.get(str(v), f"{_a(str(v))} camera"),
    "mood": lambda v: f"{_a(v)} mood" if v else "a neutral mood",
    "setting": lambda v: f"{_a(v)} setting",
    "centred": lambda v: "the bottle centred" if v else "the bottle off-centre",
}
_ORDER = (
    "brightness",
    "contrast",
    "lighting",
    "warmth",
    "monochrome",
    "saturation",
    "palette",
    "camera",
    "camera_speed",
    "zoom",
    "speed",
    "mood",
    "setting",
    "product_scale",
    "centred",
    "product_y",
)


def _element_changes(old: Look, new: Look) -> list[str]:
    out: list[str] = []
    for name in sorted(set(old.elements) | set(new.elements)):
        before, after = old.elements.get(name, 0.0), new.elements.get(name, 0.0)
        if before <= 0 < after:
            out.append(f"{name} added")
        elif after <= 0 < before:
            out.append(f"{name} removed")
        elif after > before:
            out.append(f"more {name}")
        elif after < before:
            out.append(f"less {name}")
    return out


def describe_changes(old: Look, new: Look) -> tuple[list[str], list[str]]:
    """What differs between two resolved looks, as (look phrases, element phrases)."""
    out: list[str] = []
    for name in _ORDER:
        if name in _NUMBERS:
            d = new.num(name) - old.num(name)
            phrase = _NUMBERS[name](old, new, d) if d else None
        else:
            value = getattr(new, name)
            phrase = _CATEGORIES[name](value) if value != getattr(old, name) else None
        if phrase:
            out.append(phrase)
    return out, _element_changes(old, new)


def _join(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def understood(reading: Reading) -> str | None:
    """How the instruction was read, when that is not plain to see: another language, or typos."""
    fixes = ", ".join(f'"{typed}" as "{meant}"' for typed, meant in reading.corrections)
    if reading.languages == (ENGLISH,):
        return f"Read {fixes}." if fixes else None
    names = _join([NAMES[code] for code in reading.languages])
    english = reading.english.replace(" . ", "; ")
    if len(english) > 120:
        english = english[:119].rstrip() + "…"
    note = f" (reading {fixes})" if fixes else ""
    return f'Understood from {names} as "{english}"{note}.'


def summarize(old: Look, new: Look, *, perfume_name: str, role: str, reading: Reading | None = None) -> str:
    """Two or three sentences: how the instruction was read, what changed, and what was kept."""
    looks, elements = describe_changes(old, new)
    sentences: list[str] = []
    if reading is not None and (note := understood(reading)):
        sentences.append(note)
    if looks and elements:
        sentences.append(f"The scene now has {_join(looks)}, with {_join(elements)}.")
    elif looks:
        sentences.append(f"The scene now has {_join(looks)}.")
    elif elements:
        text = _join(elements)
        sentences.append(text[0].upper() + text[1:] + ".")
    sentences.append(
        f"The original concept, the {perfume_name} bottle in view, the vertical 9:16 framing "
        f"and the {role} scene's duration are unchanged."
    )
    return " ".join(sentences)


def refusal(instruction: str, applied: Applied) -> str:
    """Why nothing was applied, with examples in the instruction's own language."""
    quoted = repr(instruction[:80])
    examples = LANGUAGE_EXAMPLES[applied.language]
    reading = applied.reading
    if reading.refusal is not None:
        return (
            f"{quoted} reads as {reading.refusal.value}. Describe the look you want, for example {examples}."
        )
    if reading.suggestions:
        options = " or ".join(f'"{s}"' for s in reading.suggestions[:3])
        return (
            f"Couldn't find a visual change in {quoted}: did you mean {options}? "
            f"Or describe the look you want, for example {examples}."
        )
    return f"Couldn't find a visual change in {quoted}. Describe the look you want, for example {examples}."


class OfflinePromptEditor:
    """Rule-based PromptEditor: deterministic, free, and honest about what it cannot do."""

    name = "offline"

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings

    def modify_scene_prompt(
        self,
        original_prompt: str,
        edit_instruction: str,
        style_spec: dict[str, Any],
        scene_role: str,
        perfume_name: str,
    ) -> PromptEdit:
        """Apply ``edit_instruction`` to ``original_prompt``.

        The caller has validated the instruction (``editing.domain.validate_instruction``).

        Raises:
            UnmappableInstructionError: nothing visual could be derived, or it changes nothing.
        """
        instruction = " ".join((edit_instruction or "").split())
        perfume = (perfume_name or "").strip() or "Perfume"
        role = (scene_role or "").strip() or "showcase"
        ignore = [perfume]
        if self.settings is not None and self.settings.brand:
            ignore.append(self.settings.brand)

        current = resolve(parse_prompt(original_prompt or "", perfume_name=perfume, style_spec=style_spec))
        applied = apply_instruction(current, instruction, ignore=ignore)
        if not applied.matched:
            raise UnmappableInstructionError(refusal(instruction, applied))
        new = resolve(applied.look)
        if new.key(visible=True) == current.key(visible=True):
            raise UnmappableInstructionError(
                f"{instruction[:80]!r} would not change this scene (it already looks that way, or is at "
                f"the limit of what the offline engine renders). Try for example "
                f"{LANGUAGE_EXAMPLES[applied.language]}."
            )

        concept, _ = split_prompt(original_prompt or "")
        if not concept:
            concept = f"Luxury perfume ad scene featuring the {perfume} bottle."
        elif perfume.lower() not in concept.lower():
            concept = f"{concept.rstrip('.')}, featuring the {perfume} bottle."
        if concept[-1] not in ".!?":
            concept += "."  # the block starts a new sentence
        modified = f"{concept} {render_block(new, perfume_name=perfume, role=role)}"
        summary = summarize(current, new, perfume_name=perfume, role=role, reading=applied.reading)
        log.info(
            "offline edit %r read as %s %r, matched %s",
            instruction,
            applied.language,
            applied.reading.english,
            ", ".join(applied.matched),
        )
        return PromptEdit(modified_prompt=modified, changes_summary=summary, cost=0.0, provider=self.name)

    def screen(
        self, original_prompt: str, edit_instruction: str, style_spec: dict[str, Any], perfume_name: str
    ) -> None:
        """The rewrite itself is free and instant: run it, keep only its verdict."""
        self.modify_scene_prompt(original_prompt, edit_instruction, style_spec, "showcase", perfume_name)

    def estimate_cost(self, original_prompt: str, edit_instruction: str) -> float:
        return 0.0

    def check(self) -> str:
        return "offline prompt editor ready (rule-based, no API key needed)"
