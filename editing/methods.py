"""How an edit is made: regenerate the scene, or adjust the current clip ($0, seconds).

:func:`plan_methods` reads an instruction with the look vocabulary the offline editor
speaks (English, French, Spanish, Italian, German) and says whether it is wholly grading
or timing — brighter, darker, warmer, cooler, more or less saturated, black and white,
contrast, slow motion, faster, zoom in, trim — which ffmpeg can do to the clip itself
(:mod:`editing.media.adjust`), or needs new content, which only a regeneration makes.
This is the one place that decides it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import Any

from editing.errors import InputError, NotApplicableError
from editing.media.adjust import Adjustment
from editing.providers.offline.look import Look, apply_instruction, parse_prompt, resolve
from editing.providers.offline.phrases import MODIFIERS, match_normalized
from editing.providers.offline.text import normalize, tokens
from editing.providers.offline.wordforms import expand


class Method(StrEnum):
    """What made a version of a scene (the edit row's ``method``, the version's ``method``)."""

    ORIGINAL = "original"  # the campaign's first cut
    REGENERATE = "regenerate"  # the video model made it from the rewritten prompt
    ADJUST = "adjust"  # ffmpeg filters on the previous clip
    REVERT = "revert"  # an earlier version made current again
    UPLOAD = "upload"  # a clip a person uploaded
    IMPORT = "import"  # brought in with an imported campaign
    MUSIC = "music"  # the campaign's music replaced by an upload (an edit of no scene)


#: What the edit dialog and `edit --method` accept.
CHOICES = ("auto", Method.ADJUST.value, Method.REGENERATE.value)

#: Look attributes a quick adjust changes, and what it cannot do for the others.
_BLOCKED = {
    "lighting": "changes the lighting",
    "palette": "changes the palette",
    "camera": "changes the camera move",
    "camera_speed": "changes the camera speed",
    "mood": "changes the mood",
    "setting": "changes the setting",
    "centred": "moves the bottle",
    "product_scale": "resizes the bottle",
    "product_y": "moves the bottle",
}

#: Words that ask for nothing by themselves ("make it a bit brighter please").
_FILLER = frozenset(
    re.split(
        r"\s+",
        """a an the it its this that these those scene scenes shot shots clip clips video footage image
        picture frame frames ad whole entire all everything everywhere throughout overall make makes made
        give please and with to of in on for be is are should can could would you we i me my our us now
        again just also so very really bit little lot tad touch much way some do get let look looks feel
        feels keep bring up down add go turn here there then than more less slightly lighting light color
        colors tone tones grade grading , . & +""",
    )
)


@cache
def _modifier_words() -> frozenset[str]:
    return frozenset(
        w for pattern in MODIFIERS.values() for phrase in expand(pattern) for w in phrase.split()
    )


_NUMBER = r"(\d+(?:[.,]\d+)?)"
_SECONDS = r" ?(?:s|sec|secs|seconds?)\b"
_TRIM_TO = re.compile(
    rf"\b(?:trim|cut|shorten|crop)(?: (?:it|this|the scene|the clip|the shot))?(?: down)? to "
    rf"{_NUMBER}{_SECONDS}"
    rf"|\bmake (?:it|the scene|the clip) {_NUMBER}{_SECONDS}(?: long)?"
)
_TRIM_BY = re.compile(
    rf"\b(?:trim|cut|shorten)(?: (?:it|this|the scene|the clip|the shot))? by {_NUMBER}{_SECONDS}"
)


def _seconds(text: str) -> float:
    return float(text.replace(",", "."))


def read_trim(instruction: str, duration: float) -> tuple[float | None, str]:
    """A trim asked for ("trim to 3 s", "shorten by 1 second"): (new length or None, the rest).

    Raises:
        InputError: a trim to nothing, or to longer than the scene.
    """
    text = instruction.lower()
    if m := _TRIM_TO.search(text):
        target = _seconds(m.group(1) or m.group(2))
    elif m := _TRIM_BY.search(text):
        target = duration - _seconds(m.group(1))
    else:
        return None, instruction
    if target < 0.5:
        raise NotApplicableError(
            f"A scene is at least 0.5 s long; {m.group(0)!r} would leave {max(target, 0):g} s"
        )
    if target >= duration:
        raise NotApplicableError(
            f"The scene is {duration:g} s long; trimming makes it shorter, not {target:g} s"
        )
    rest = (text[: m.start()] + " " + text[m.end() :]).strip(" ,.;")
    return round(target, 3), rest


@dataclass(frozen=True)
class MethodPlan:
    """Which methods can make an edit, and what a quick adjust would do."""

    adjustment: Adjustment | None  # None: nothing a quick adjust can do
    blockers: tuple[str, ...] = ()  # look changes only a regeneration makes ("adds rose petals")
    unread: tuple[str, ...] = ()  # words the vocabulary does not read as grading or timing
    notes: tuple[str, ...] = field(default=())

    @property
    def adjustable(self) -> bool:
        """A quick adjust can do what the vocabulary read (it may be chosen)."""
        return self.adjustment is not None and not self.adjustment.empty and not self.blockers

    @property
    def wholly_adjustable(self) -> bool:
        """A quick adjust does everything asked (``auto`` picks it)."""
        return self.adjustable and not self.unread

    @property
    def recommended(self) -> Method:
        return Method.ADJUST if self.wholly_adjustable else Method.REGENERATE

    @property
    def why_not_adjust(self) -> str:
        if self.blockers:
            return "needs a regeneration: it " + ", ".join(self.blockers)
        if self.adjustment is None or self.adjustment.empty:
            return "nothing in it is grading or timing a quick adjust can do"
        if self.unread:
            return "a quick adjust would ignore " + ", ".join(repr(w) for w in self.unread)
        return ""

    def choose(self, method: str) -> Method:
        """The method to run for a request of ``method`` (auto, adjust or regenerate).

        Raises:
            InputError: an unknown method, or adjust for an instruction it cannot do.
        """
        if method not in CHOICES:
            raise InputError(f"Unknown method {method!r}; choose one of {', '.join(CHOICES)}")
        if method == "auto":
            return self.recommended
        if method == Method.ADJUST and not self.adjustable:
            raise NotApplicableError(f"Quick adjust is not possible here: {self.why_not_adjust}")
        return Method(method)


def _element_blockers(old: Look, new: Look) -> list[str]:
    out = []
    for name in sorted(set(old.elements) | set(new.elements)):
        before, after = old.elements.get(name, 0.0), new.elements.get(name, 0.0)
        if round(before, 3) != round(after, 3):
            out.append(f"{'adds' if after > before else 'removes'} {name}")
    return out


def _look_plan(old: Look, new: Look) -> tuple[Adjustment, list[str]]:
    """The adjustment from ``old`` to ``new`` (both resolved), and what it cannot do."""
    blockers = [why for name, why in _BLOCKED.items() if getattr(old, name) != getattr(new, name)]
    blockers = list(dict.fromkeys(blockers)) + _element_blockers(old, new)
    zoom = new.num("zoom") - old.num("zoom")
    if zoom < 0:
        blockers.append("zooms out (a crop cannot show what is outside the frame)")
    if old.monochrome and not new.monochrome:
        blockers.append("brings colour back")
    monochrome = bool(new.monochrome and not old.monochrome)
    adjustment = Adjustment(
        exposure=new.num("brightness") - old.num("brightness"),
        contrast=new.num("contrast") - old.num("contrast"),
        warmth=0.0 if new.monochrome else new.num("warmth") - old.num("warmth"),
        saturation=0.0 if new.monochrome else new.num("saturation") - old.num("saturation"),
        monochrome=monochrome,
        zoom=max(0.0, zoom),
        speed=new.num("speed") - old.num("speed"),
    )
    return adjustment, blockers


def _unread(english: str) -> list[str]:
    """Words of the English reading outside every phrase the table matched, that are not filler."""
    covered = [(m.start, m.end) for m in match_normalized(english)]
    out: list[str] = []
    pos = 0
    for word in tokens(english):
        start = english.index(word, pos)
        pos = start + len(word)
        if any(a <= start < b for a, b in covered):
            continue
        if word in _FILLER or word in _modifier_words() or word.isdigit():
            continue
        out.append(word)
    return list(dict.fromkeys(out))


def plan_methods(
    prompt: str,
    instruction: str,
    *,
    duration: float,
    style_spec: dict[str, Any] | None = None,
    perfume_name: str = "",
    keep_length: bool = True,
) -> MethodPlan:
    """What a quick adjust of a scene (its ``prompt``, ``duration``) would do for ``instruction``.

    Raises:
        InputError: a trim to nothing or to longer than the scene.
    """
    trim_to, rest = read_trim(instruction, duration)
    old = resolve(parse_prompt(prompt, perfume_name=perfume_name, style_spec=style_spec))
    ignore = [perfume_name] if perfume_name else []
    if not normalize(rest):
        adjustment, blockers, unread = Adjustment(), list[str](), list[str]()
    else:
        applied = apply_instruction(old, rest, ignore=ignore)
        adjustment, blockers = _look_plan(old, resolve(applied.look))
        unread = _unread(applied.reading.english)
    adjustment = Adjustment(**{**adjustment.to_dict(), "trim_to": trim_to, "keep_length": keep_length})
    if adjustment.empty and not blockers:
        return MethodPlan(None, (), tuple(unread))
    return MethodPlan(adjustment, tuple(blockers), tuple(unread))


#: What an edit does when nobody says (the dialog, `edit`, submit_edit and the pipeline).
DEFAULT_METHOD = "auto"


def scene_plan(
    campaign_json: dict[str, Any], scene_index: int, instruction: str, *, keep_length: bool = True
) -> MethodPlan:
    """:func:`plan_methods` for scene ``scene_index`` of a campaign."""
    scene = campaign_json["scenes"][scene_index]
    return plan_methods(
        scene.get("background_prompt", ""),
        instruction,
        duration=float(scene.get("duration", 4)),
        style_spec=campaign_json.get("style_spec", {}),
        perfume_name=campaign_json.get("perfume_name", ""),
        keep_length=keep_length,
    )


def decide(
    campaign_json: dict[str, Any], scene_index: int, instruction: str, method: str, keep_length: bool = True
) -> tuple[Method, dict[str, Any]]:
    """The method an edit runs by and its plan (what the edit row records).

    Raises:
        InputError: an unknown method, a quick adjust the instruction cannot be, a bad trim.
    """
    if method not in CHOICES:
        raise InputError(f"Unknown method {method!r}; choose one of {', '.join(CHOICES)}")
    if method == Method.REGENERATE:
        return Method.REGENERATE, {}
    plan = scene_plan(campaign_json, scene_index, instruction, keep_length=keep_length)
    chosen = plan.choose(method)
    if chosen == Method.ADJUST:
        assert plan.adjustment is not None
        return chosen, {"adjustment": plan.adjustment.to_dict()}
    return chosen, {}
