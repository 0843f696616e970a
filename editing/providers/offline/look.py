"""The shared vocabulary of the offline engine: prompt text ⇄ a ``Look``.

The offline prompt editor and the procedural generator speak through the prompt
text alone. The editor reads a prompt into a Look, applies the marketer's
instruction to it and writes the result back as an explicit "Cinematography:"
block with numbers a reader (or a video model) understands ("exposure +1 stop",
"4400K white balance", "85mm close framing"). The generator reads the same block
back, so edits accumulate and opposite edits move back to where they started.

Free text (a scene prompt written by a person or by an LLM) is read with the same
phrase table, so "a dark, mysterious scene with smoke" renders dark, mysterious
and smoky even without the block.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

from editing.providers.offline.phrases import (
    RULES,
    ClearElements,
    Elem,
    Match,
    Rule,
    SetTo,
    Step,
    match_normalized,
)
from editing.providers.offline.reading import Reading, find_matches, read_instruction
from editing.providers.offline.text import normalize

__all__ = [
    "BLOCK_MARKER",
    "PALETTES",
    "RULES",
    "Applied",
    "Look",
    "Match",
    "Reading",
    "Rule",
    "apply_instruction",
    "find_matches",
    "focal_mm",
    "kelvin",
    "normalize",
    "parse_block",
    "parse_description",
    "parse_prompt",
    "parse_style",
    "render_block",
    "resolve",
    "split_prompt",
]

# --------------------------------------------------------------------------- names

LIGHTINGS = (
    "natural",
    "golden hour",
    "backlit",
    "soft",
    "harsh",
    "neon",
    "candlelight",
    "high key",
    "low key",
    "night",
)
CAMERAS = ("static", "orbit", "pan left", "pan right", "dolly in", "dolly out", "handheld")
MOODS = ("dreamy", "mysterious", "energetic", "romantic", "elegant", "playful")
SETTINGS = ("studio", "beach at sunset", "city at night", "marble studio", "forest", "desert", "underwater")
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
    "bubbles",
)

#: Named palettes: colours as hex, darkest-to-lightest roughly, plus a liquid tint.
PALETTES: dict[str, tuple[str, ...]] = {
    "rose gold": ("#3a2226", "#b76e79", "#e8c4b8", "#f6e3d8"),
    "emerald": ("#062a1e", "#0b5e3c", "#2fa56f", "#d4af37"),
    "pastel": ("#c9b6e4", "#f8c8dc", "#c8e7f5", "#fdf1e6"),
    "monochrome": ("#111111", "#555555", "#a0a0a0", "#eeeeee"),
    "black and gold": ("#0a0806", "#2a2118", "#b8902f", "#f0d77a"),
    "champagne": ("#3b3025", "#9c8463", "#e3d2b3", "#f7efe2"),
    "sapphire": ("#071233", "#1b3a8a", "#4f7fd9", "#c9d8f7"),
    "amethyst": ("#1d0f2e", "#5b2a86", "#a070d0", "#e6d5f5"),
    "burgundy": ("#1e0508", "#6d0f1e", "#b03a48", "#f0c9c2"),
    "blush": ("#4a2a30", "#d88c9a", "#f2c6cf", "#fbe9ec"),
    "ivory": ("#4b4537", "#b9ae96", "#ece3cf", "#fbf8f0"),
    "silver": ("#1c1f24", "#6b7480", "#c2c8d0", "#f1f3f6"),
    "teal": ("#04262a", "#0f6a70", "#3fb0a9", "#d2f0ec"),
    "coral": ("#40170f", "#e0684b", "#f7a78c", "#fde4d8"),
}

# Numeric fields: (min, max). Zero is the neutral look.
RANGES: dict[str, tuple[float, float]] = {
    "brightness": (-3.0, 3.0),
    "contrast": (-2.0, 2.0),
    "warmth": (-3.0, 3.0),
    "saturation": (-3.0, 3.0),
    "zoom": (-2.0, 3.0),
    "speed": (-2.0, 2.0),
    "camera_speed": (-2.0, 2.0),
    "product_scale": (-2.0, 2.0),
    "product_y": (-2.0, 2.0),
}
NUMERIC = tuple(RANGES)
CATEGORICAL = ("lighting", "palette", "camera", "mood", "setting")

# --------------------------------------------------------------------------- Look


@dataclass(frozen=True)
class Look:
    """A scene's visual attributes; ``None`` means "not said" (the campaign baseline applies)."""

    brightness: float | None = None
    contrast: float | None = None
    warmth: float | None = None
    saturation: float | None = None
    monochrome: bool | None = None
    lighting: str | None = None
    palette: str | None = None
    camera: str | None = None
    camera_speed: float | None = None
    zoom: float | None = None
    speed: float | None = None
    mood: str | None = None
    setting: str | None = None
    centred: bool | None = None
    product_scale: float | None = None
    product_y: float | None = None
    #: element → density (1.0 normal); 0.0 means explicitly removed.
    elements: Mapping[str, float] = field(default_factory=dict)

    def merged(self, over: Look) -> Look:
        """This look with every attribute ``over`` states replacing ours."""
        changes: dict[str, Any] = {}
        for f in fields(self):
            if f.name == "elements":
                continue
            value = getattr(over, f.name)
            if value is not None:
                changes[f.name] = value
        elements = dict(self.elements)
        elements.update(over.elements)
        return replace(self, elements=elements, **changes)

    def num(self, name: str) -> float:
        value = getattr(self, name)
        return 0.0 if value is None else float(value)

    def present_elements(self) -> dict[str, float]:
        return {k: v for k, v in self.elements.items() if v > 0}

    def key(self, *, visible: bool = False) -> tuple[Any, ...]:
        """A comparable identity (floats rounded so 0.1+0.2 equals 0.3).

        Args:
            visible: compare only what shows on screen (a black and white scene hides its saturation).
        """
        out: list[Any] = []
        for f in fields(self):
            value = getattr(self, f.name)
            if visible and f.name == "saturation" and self.monochrome:
                out.append(None)
            elif f.name == "elements":  # absent and removed look the same on screen
                out.append(tuple(sorted((k, round(v, 3)) for k, v in value.items() if v > 0)))
            elif isinstance(value, float):
                out.append(round(value, 3))
            else:
                out.append(value)
        return tuple(out)


def clamp(name: str, value: float) -> float:
    lo, hi = RANGES[name]
    return max(lo, min(hi, value))


# --------------------------------------------------------------------------- free text → Look


_CLEAR_CATEGORY = {"lighting": "natural", "camera": "static", "setting": "studio"}


_DISTINCT_PALETTES = re.compile(
    r"^(?:rose ?gold|rosegold|emerald|pastels?|monochrom(?:e|atic)|black (?:and|&) gold|champagne|sapphire"
    r"|amethyst|burgundy)$"
)
_PALETTE_SUFFIX = re.compile(r" (?:palette|tones?|colou?rs?|colou?r scheme|hues?|theme|accents?|look)$")


def _explicit_palette(text: str) -> bool:
    """Whether a description names the scene's palette ("emerald tones") rather than a thing's colour."""
    return bool(_DISTINCT_PALETTES.match(text) or _PALETTE_SUFFIX.search(text))


def parse_description(text: str, *, ignore: Iterable[str] = ()) -> Look:
    """Read a free-text description ("a dark, smoky marble studio") into absolute attributes."""
    values: dict[str, Any] = {}
    sums: dict[str, float] = {}
    elements: dict[str, float] = {}
    for m in find_matches(text, ignore=ignore):
        if m.negated and not any(isinstance(e, Elem) for e in m.rule.effects):
            continue
        for effect in m.rule.effects:
            if isinstance(effect, Step):
                sums[effect.field] = sums.get(effect.field, 0.0) + effect.amount * m.sign * m.scale
            elif isinstance(effect, SetTo):
                if effect.field == "palette" and not _explicit_palette(m.text):
                    continue  # "a gold cap", "white marble": an object's colour, not the scene's palette
                values.setdefault(effect.field, effect.value)
            elif isinstance(effect, Elem):
                gone = m.remove or m.negated
                elements[effect.name] = 0.0 if gone else (0.5 if m.fewer else 1.0) * m.scale
            elif isinstance(effect, ClearElements) and (m.remove or m.negated):
                elements.update(dict.fromkeys(ELEMENTS, 0.0))
    for name, total in sums.items():
        values[name] = clamp(name, max(-2.0, min(2.0, total)))
    return Look(**values, elements=elements)


# --------------------------------------------------------------------------- instruction → Look


@dataclass(frozen=True)
class Applied:
    """The outcome of applying an instruction: the new look, what it asked, and how it was read."""

    look: Look
    matched: tuple[str, ...]  # the English phrases found
    reading: Reading = field(default_factory=lambda: Reading(english="", language="en", languages=("en",)))

    @property
    def language(self) -> str:
        return self.reading.language


#: Lighting that is a colour as much as a light: asking for it on a black and white scene brings colour back.
_COLOURED_LIGHT = {"golden hour", "candlelight", "neon"}


def _asks_for_colour(effect: Step | SetTo, m: Match) -> bool:
    """Whether an effect asks for colour: warmer, cooler, richer, a palette, a coloured light."""
    if m.negated or m.remove:
        return False
    if isinstance(effect, Step):
        return effect.field == "warmth" or (effect.field == "saturation" and effect.amount * m.sign > 0)
    if effect.field == "palette":
        return effect.value != "monochrome" and m.sign > 0
    return effect.field == "lighting" and effect.value in _COLOURED_LIGHT and m.sign > 0


class _Edit:
    """A look being edited by one instruction's matches, one effect at a time."""

    def __init__(self, current: Look) -> None:
        self.look = current
        self.elements = dict(current.elements)
        self.touched: set[str] = set()  # "silk ribbons" names one element once
        self.colour_asked = False
        self.black_and_white_asked = False

    def set(self, name: str, value: Any) -> None:
        changes: dict[str, Any] = {name: value}
        self.look = replace(self.look, **changes)

    def step(self, effect: Step, m: Match) -> None:
        if m.negated:
            return
        cur = self.look.num(effect.field)
        delta = effect.amount * m.sign * m.scale
        if effect.push and m.sign > 0:  # close-up, slow motion: land past neutral in their direction
            new = (max(cur, 0.0) if delta > 0 else min(cur, 0.0)) + delta
        else:
            new = cur + delta
        self.set(effect.field, clamp(effect.field, new))

    def set_to(self, effect: SetTo, m: Match) -> None:
        if not (m.negated or m.remove or m.sign < 0):
            self.set(effect.field, effect.value)
        elif getattr(self.look, effect.field) == effect.value:  # "not dreamy", "no golden hour"
            self.set(effect.field, _cleared(effect))

    def elem(self, effect: Elem, m: Match) -> None:
        if effect.name in self.touched:
            return
        self.touched.add(effect.name)
        have = self.elements.get(effect.name, 0.0)
        if m.remove or m.negated:
            new = 0.0
        elif m.fewer or m.sign < 0:
            new = 0.0 if have <= 0.5 else round(have * 0.5, 3)
        elif have > 0:
            new = min(3.0, round(have + 0.5 * m.scale, 3))
        else:
            new = min(3.0, m.scale if m.scale > 1 else 1.0)
        self.elements[effect.name] = new

    def clear(self, _effect: ClearElements, m: Match) -> None:
        if not m.negated:
            self.elements = dict.fromkeys(self.elements, 0.0)

    def apply(self, m: Match) -> None:
        for effect in m.rule.effects:
            if isinstance(effect, Step | SetTo):
                self.colour_asked |= _asks_for_colour(effect, m)
            if isinstance(effect, SetTo) and effect.field == "monochrome" and effect.value is True:
                self.black_and_white_asked |= not (m.negated or m.remove or m.sign < 0)
            if isinstance(effect, Step):
                self.step(effect, m)
            elif isinstance(effect, SetTo):
                self.set_to(effect, m)
            elif isinstance(effect, Elem):
                self.elem(effect, m)
            else:
                self.clear(effect, m)

    def result(self) -> Look:
        look = replace(self.look, elements=self.elements)
        if look.monochrome and self.colour_asked and not self.black_and_white_asked:
            look = replace(look, monochrome=False)  # "warmer" on a black and white scene means colour
        return look


def _cleared(effect: SetTo) -> Any:
    """What a categorical attribute falls back to when the instruction takes its value away."""
    if isinstance(effect.value, bool):
        return not effect.value
    return _CLEAR_CATEGORY.get(effect.field)


def apply_instruction(current: Look, instruction: str, *, ignore: Iterable[str] = ()) -> Applied:
    """Apply a marketer's instruction, in any language the editor reads, to ``current`` (a resolved look)."""
    reading = read_instruction(instruction, ignore=ignore)
    edit = _Edit(current)
    matched: list[str] = []
    for m in match_normalized(reading.english):
        matched.append(m.text)
        edit.apply(m)
    return Applied(edit.result(), tuple(matched), reading)


# --------------------------------------------------------------------------- the block

BLOCK_MARKER = "Cinematography:"

_DEFAULTS: dict[str, Any] = {
    "brightness": 0.0,
    "contrast": 0.0,
    "warmth": 0.0,
    "saturation": 0.0,
    "monochrome": False,
    "lighting": "natural",
    "palette": None,
    "camera": "dolly in",
    "camera_speed": 0.0,
    "zoom": 0.0,
    "speed": 0.0,
    "mood": None,
    "setting": "studio",
    "centred": False,
    "product_scale": 0.0,
    "product_y": 0.0,
}


def resolve(look: Look) -> Look:
    """Fill every unstated attribute with the neutral default."""
    values = {name: getattr(look, name) for name in _DEFAULTS}
    values = {name: _DEFAULTS[name] if v is None else v for name, v in values.items()}
    return Look(**values, elements=dict(look.elements))


def _num(x: float) -> str:
    s = f"{x:+.2f}".rstrip("0").rstrip(".")
    return "+0" if s in ("+0", "-0") else s


def kelvin(warmth: float) -> int:
    return round(5600 - 600 * warmth)


def focal_mm(zoom: float) -> int:
    return round(50 * math.pow(1.25, zoom))


def _q(x: float, step: float = 0.25) -> float:
    return round(round(x / step) * step, 3)


def render_block(look: Look, *, perfume_name: str, role: str) -> str:
    """Write a resolved look as the explicit cinematography block the generator reads back."""
    lk = resolve(look)
    b, c = lk.num("brightness"), lk.num("contrast")
    exposure = f"exposure {_num(b)} stop{'' if abs(b) == 1 else 's'}"
    exposure += " (balanced)" if b == 0 else (" (brighter)" if b > 0 else " (darker)")
    lighting = f"Lighting: {lk.lighting} light, {exposure}, contrast {round(25 * c):+d}%"
    w, s = lk.num("warmth"), lk.num("saturation")
    tone = "neutral" if w == 0 else ("warm" if w > 0 else "cool")
    colour = f"Colour: {tone} {kelvin(w)}K white balance"
    if lk.monochrome:
        colour += ", black and white"
    if s or not lk.monochrome:  # kept in black and white, for when the colour comes back
        colour += f", saturation {round(30 * s):+d}%"
    if lk.palette:
        colour += f", {lk.palette} palette"
    z = lk.num("zoom")
    framing = "close framing" if z > 0.4 else ("wide framing" if z < -0.4 else "medium framing")
    cam_speed = 2 ** lk.num("camera_speed")
    camera = f"Camera: {lk.camera}, {cam_speed:.2f}x camera speed, {focal_mm(z)}mm {framing}"
    v = lk.num("speed")
    label = "time-lapse" if v >= 1.75 else ("slow motion" if v < 0 else ("sped up" if v > 0 else "real time"))
    motion = f"Motion: {2**v:.2f}x speed ({label})"
    parts = [BLOCK_MARKER, lighting + ".", colour + ".", camera + ".", motion + "."]
    if lk.mood:
        parts.append(f"Mood: {lk.mood}.")
    parts.append(f"Setting: {lk.setting}.")
    present = [
        name if abs(d - 1.0) < 1e-6 else f"{name} ({d:.2f}x density)"
        for name, d in sorted(lk.elements.items())
        if d > 0
    ]
    removed = [name for name, d in sorted(lk.elements.items()) if d <= 0]
    if present or removed:
        els = ", ".join(present) if present else "none"
        if removed:
            els += "; no " + ", no ".join(removed)
        parts.append(f"Elements: {els}.")
    p_scale, p_y = lk.num("product_scale"), lk.num("product_y")
    product = f"Product: the {perfume_name} bottle stays clearly visible, {1.2**p_scale:.2f}x size"
    product += ", centred" if lk.centred else ", off-centre"
    if p_y:
        product += f", {'lowered' if p_y > 0 else 'raised'} {abs(round(12 * p_y))}% in frame"
    parts.append(product + ".")
    parts.append(f"Format: vertical 9:16, {role} scene, duration unchanged.")
    return " ".join(parts)


def split_prompt(prompt: str) -> tuple[str, str]:
    """Split a prompt into its concept and its cinematography block ('' if none)."""
    idx = prompt.find(BLOCK_MARKER)
    if idx < 0:
        return prompt.strip(), ""
    return prompt[:idx].strip(), prompt[idx:].strip()


_LOG125 = math.log(1.25)
_LOG12 = math.log(1.2)


def _read_lighting(sec: str, values: dict[str, Any]) -> None:
    name = sec.split(" light,", 1)[0].strip()
    if name in LIGHTINGS:
        values["lighting"] = name
    if m := re.search(r"exposure ([+-]?\d+(?:\.\d+)?) stops?", sec):
        values["brightness"] = clamp("brightness", _q(float(m.group(1))))
    if m := re.search(r"contrast ([+-]?\d+)%", sec):
        values["contrast"] = clamp("contrast", _q(int(m.group(1)) / 25))


def _read_colour(sec: str, values: dict[str, Any]) -> None:
    if m := re.search(r"(\d{4,5})K", sec):
        values["warmth"] = clamp("warmth", _q((5600 - int(m.group(1))) / 600))
    values["monochrome"] = "black and white" in sec
    if m := re.search(r"saturation ([+-]?\d+)%", sec):
        values["saturation"] = clamp("saturation", _q(int(m.group(1)) / 30))
    if (m := re.search(r", ([a-z ]+) palette", sec)) and m.group(1) in PALETTES:
        values["palette"] = m.group(1)


def _read_camera(sec: str, values: dict[str, Any]) -> None:
    name = sec.split(",", 1)[0].strip()
    if name in CAMERAS:
        values["camera"] = name
    if m := re.search(r"(\d+(?:\.\d+)?)x camera speed", sec):
        values["camera_speed"] = clamp("camera_speed", _q(math.log2(float(m.group(1)))))
    if m := re.search(r"(\d+)mm", sec):
        values["zoom"] = clamp("zoom", _q(math.log(int(m.group(1)) / 50) / _LOG125))


def _read_motion(sec: str, values: dict[str, Any]) -> None:
    if m := re.search(r"(\d+(?:\.\d+)?)x speed", sec):
        values["speed"] = clamp("speed", _q(math.log2(float(m.group(1)))))


def _read_mood(sec: str, values: dict[str, Any]) -> None:
    if sec in MOODS:
        values["mood"] = sec


def _read_setting(sec: str, values: dict[str, Any]) -> None:
    if sec in SETTINGS:
        values["setting"] = sec


def _read_elements(sec: str, values: dict[str, Any]) -> None:
    elements: dict[str, float] = {}
    for name in ELEMENTS:
        if re.search(rf"\bno {name}\b", sec):
            elements[name] = 0.0
        elif m := re.search(rf"(?<!no ){name}(?: \((\d+(?:\.\d+)?)x density\))?", sec):
            elements[name] = float(m.group(1)) if m.group(1) else 1.0
    values["elements"] = elements


def _read_product(sec: str, values: dict[str, Any]) -> None:
    if m := re.search(r"(\d+(?:\.\d+)?)x size", sec):
        values["product_scale"] = clamp("product_scale", _q(math.log(float(m.group(1))) / _LOG12))
    values["centred"] = ", centred" in sec
    values["product_y"] = 0.0
    if m := re.search(r"(lowered|raised) (\d+)% in frame", sec):
        sign = 1 if m.group(1) == "lowered" else -1
        values["product_y"] = clamp("product_y", _q(sign * int(m.group(2)) / 12))


#: How each section of the block is read back, keyed by its label.
_SECTION_READERS: dict[str, Callable[[str, dict[str, Any]], None]] = {
    "lighting": _read_lighting,
    "colour": _read_colour,
    "camera": _read_camera,
    "motion": _read_motion,
    "mood": _read_mood,
    "setting": _read_setting,
    "elements": _read_elements,
    "product": _read_product,
}
_SECTION = re.compile(r"\b(Lighting|Colour|Camera|Motion|Mood|Setting|Elements|Product|Format):")


def parse_block(block: str) -> Look:
    """Read the cinematography block back (the inverse of :func:`render_block`)."""
    if not block:
        return Look()
    keys = list(_SECTION.finditer(block))
    values: dict[str, Any] = {"elements": {}}
    for i, k in enumerate(keys):
        end = keys[i + 1].start() if i + 1 < len(keys) else len(block)
        reader = _SECTION_READERS.get(k.group(1).lower())
        if reader is not None:
            reader(block[k.end() : end].strip().rstrip(".").strip(), values)
    return Look(**values)


#: What each style spec field may set: "golden key light" sets the light, not the palette
#: (the campaign's colours are in ``color_palette``).
STYLE_FIELDS: dict[str, tuple[str, ...]] = {
    "mood_atmosphere": ("mood", "brightness", "warmth", "saturation", "contrast", "setting", "elements"),
    "lighting_direction": ("lighting", "brightness", "contrast", "warmth"),
    "camera_style": ("camera", "camera_speed", "zoom"),
}


def parse_style(style_spec: Mapping[str, Any] | None) -> Look:
    """The campaign baseline: the style spec's mood, lighting and camera read as text."""
    if not style_spec:
        return Look()
    look = Look()
    for key, allowed in STYLE_FIELDS.items():
        text = style_spec.get(key)
        if not (isinstance(text, str) and text.strip()):
            continue
        said = parse_description(text)
        keep = {name: getattr(said, name) for name in allowed if name != "elements"}
        elements = dict(said.elements) if "elements" in allowed else {}
        look = look.merged(Look(**keep, elements=elements))
    return look


def parse_prompt(prompt: str, *, perfume_name: str = "", style_spec: Mapping[str, Any] | None = None) -> Look:
    """What a prompt asks for: style baseline, then the concept's words, then the explicit block."""
    concept, block = split_prompt(prompt)
    ignore = [perfume_name] if perfume_name else []
    look = parse_style(style_spec).merged(parse_description(concept, ignore=ignore))
    return look.merged(parse_block(block))
