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
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any

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

    def key(self) -> tuple[Any, ...]:
        """A comparable identity (floats rounded so 0.1+0.2 equals 0.3)."""
        out: list[Any] = []
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "elements":  # absent and removed look the same on screen
                out.append(tuple(sorted((k, round(v, 3)) for k, v in value.items() if v > 0)))
            elif isinstance(value, float):
                out.append(round(value, 3))
            else:
                out.append(value)
        return tuple(out)


def clamp(name: str, value: float) -> float:
    lo, hi = RANGES[name]
    return max(lo, min(hi, value))


# --------------------------------------------------------------------------- effects


@dataclass(frozen=True)
class Step:
    """Move a numeric attribute by ``amount`` (an instruction) or set it (a description)."""

    field: str
    amount: float
    push: bool = False  # close-up / slow motion: always lands past neutral in its direction


@dataclass(frozen=True)
class SetTo:
    """Set a categorical (or boolean) attribute."""

    field: str
    value: Any


@dataclass(frozen=True)
class Elem:
    """Add an element (or remove it when negated)."""

    name: str


@dataclass(frozen=True)
class ClearElements:
    """Remove every element ("clean it up", "no effects")."""


Effect = Step | SetTo | Elem | ClearElements


@dataclass(frozen=True)
class Rule:
    pattern: str
    effects: tuple[Effect, ...]
    noun: bool = False  # "the brightness", "the lights": needs a direction (up/more, down/less)


def _r(*alternatives: str, effects: tuple[Effect, ...], noun: bool = False) -> Rule:
    return Rule("(?:" + "|".join(alternatives) + ")", effects, noun)


_PAL = r"(?: palette| tones?| colou?r(?:s| scheme)?| hues?| theme| accents?| look)?"


def _pal(alternatives: str, name: str, *extra: Effect) -> Rule:
    """A palette phrase, with its optional "palette" / "tones" suffix part of the match."""
    return _r(f"(?:{alternatives}){_PAL}", effects=(SetTo("palette", name), *extra))


B = "brightness"
RULES: tuple[Rule, ...] = (
    # ---- lighting: brightness
    _r(
        "brighter|brighten(?:ed|ing)?|bright|lighter|lighten|sunnier|sunny|more light|more exposure",
        "lift the shadows|illuminated|well lit|luminous|radiant",
        effects=(Step(B, 1),),
    ),
    _r("overexposed|blown out", effects=(Step(B, 2),)),
    _r(
        "darker|darken(?:ed)?|dark(?:ness)?|dimmer|dim|dimly lit|less light|gloomier|gloomy|shadowy",
        "underexposed|murkier|murky",
        effects=(Step(B, -1),),
    ),
    _r("brightness|exposure|lights?|lighting levels?", effects=(Step(B, 1),), noun=True),
    _r("moodier|moody", effects=(Step(B, -0.5), SetTo("mood", "mysterious"))),
    # ---- lighting: presets
    _r(
        "golden hours?|magic hour|sunset light|sunset glow|warm evening light|sunset|sundown|dusk",
        effects=(SetTo("lighting", "golden hour"),),
    ),
    _r(
        "back ?lit|back ?light(?:ing)?|rim light(?:ing)?|rim lit|halo light|silhouetted?|contre jour",
        effects=(SetTo("lighting", "backlit"),),
    ),
    _r(
        "soft(?:er)? (?:light(?:ing)?|shadows|glow|look|key)|softer|soften(?: it| the light(?:ing)?)?",
        "diffused?(?: light(?:ing)?)?|gentle light(?:ing)?|flattering light",
        effects=(SetTo("lighting", "soft"),),
    ),
    _r(
        "harsh(?:er)?(?: light(?:ing)?)?|hard(?:er)? (?:light(?:ing)?|shadows)|crisp shadows",
        "direct sun(?:light)?|punchy light(?:ing)?",
        effects=(SetTo("lighting", "harsh"),),
    ),
    _r(
        "neon(?: lights?| lighting| glow| signs?)?|cyberpunk|club lights|rgb lights|synthwave|vaporwave",
        effects=(SetTo("lighting", "neon"),),
    ),
    _r(
        "candle ?light|candle ?lit|candles?|fire ?light|fireplace|firelit|flickering flame",
        effects=(SetTo("lighting", "candlelight"),),
    ),
    _r("high key|airy|bright and airy|clean white light", effects=(SetTo("lighting", "high key"),)),
    _r("low key|chiaroscuro|dramatic shadows|film noir", effects=(SetTo("lighting", "low key"),)),
    _r(
        "natural light(?:ing)?|daylight|neutral light(?:ing)?|normal light(?:ing)?",
        effects=(SetTo("lighting", "natural"),),
    ),
    _r(
        "night ?time|at night|moon ?light|moonlit|after dark|by night|midnight|night",
        effects=(SetTo("lighting", "night"),),
    ),
    # ---- contrast
    _r(
        "more contrast|contrasty|higher contrast|punchier|make it pop|pop more|more punch|crisper",
        "more dramatic|dramatic",
        effects=(Step("contrast", 1),),
    ),
    _r("less contrast|lower contrast|flatter|flat look|washed out|faded", effects=(Step("contrast", -1),)),
    _r("contrast", effects=(Step("contrast", 1),), noun=True),
    # ---- colour temperature
    _r(
        "warmer|warm(?: it up| up| tones?| colou?rs?| light(?:ing)?| hues?)?|more orange|more amber",
        "cosier|cozier|cosy|cozy|toastier|amber|redder|more red",
        effects=(Step("warmth", 1),),
    ),
    _r(
        "cooler|cool(?: it down| tones?| colou?rs?| light(?:ing)?| hues?)?|colder|cold|icier|icy",
        "bluer|more blue|frosty|wintry|less warm",
        effects=(Step("warmth", -1),),
    ),
    _r("warmth|temperature", effects=(Step("warmth", 1),), noun=True),
    # ---- saturation
    _r(
        "(?:more )?saturated|more saturation|more colou?rful|colou?rful|vibrant|vivid|richer colou?rs?",
        "punchier colou?rs?|bolder colou?rs?|more vibrant|more vivid|juicier|lush",
        effects=(Step("saturation", 1),),
    ),
    _r(
        "desaturated?|muted|subdued|understated|tone down the colou?rs?|toned down|less saturated",
        "less colou?rful|less vibrant|duller|dull|softer colou?rs?|faded colou?rs?",
        effects=(Step("saturation", -1),),
    ),
    _r("saturation|colou?rs", effects=(Step("saturation", 1),), noun=True),
    _r(
        "black (?:and|&) white|b ?& ?w|b ?/ ?w|greyscale|grayscale|no colou?rs?|colou?rless|noir style",
        effects=(SetTo("monochrome", True),),
    ),
    _r(
        "full colou?rs?|in colou?rs?|bring back the colou?rs?|colou?r again",
        effects=(SetTo("monochrome", False),),
    ),
    # ---- palettes
    _pal("rose ?gold|rosegold|copper pink", "rose gold"),
    _pal("emerald|jade|forest green|green(?:er)?", "emerald"),
    _pal("pastels?|candy colou?rs?|soft pinks? and blues?", "pastel"),
    _pal("monochrom(?:e|atic)|single colou?r|one colou?r|tonal", "monochrome", Step("saturation", -1.5)),
    _pal("black (?:and|&) gold|gold and black|gold(?:en)?|gilded", "black and gold"),
    _pal("champagne|beige|nude|taupe|sand colou?red", "champagne"),
    _pal("sapphire|navy|royal blue|midnight blue|blue", "sapphire"),
    _pal("amethyst|purple|violet|lavender|lilac|plum", "amethyst"),
    _pal("burgundy|crimson|wine red|oxblood|red|scarlet|ruby", "burgundy"),
    _pal("blush(?: pink)?|pink(?:er)?|rosy|rose pink|powder pink", "blush"),
    _pal("ivory|cream|creamy|off white|pearl|white", "ivory"),
    _pal("silver|chrome|platinum|steel|metallic grey", "silver"),
    _pal("teal|turquoise|aqua(?:marine)?|cyan", "teal"),
    _pal("coral|peach(?:y)?|apricot|tangerine|orange", "coral"),
    # ---- camera framing
    _r("extreme close ?ups?|macro(?: shot)?|ecu", effects=(Step("zoom", 2, push=True),)),
    _r(
        "close ?ups?|closeup|tight shot|tighter(?: shot| framing)?|detail shot|cu",
        effects=(Step("zoom", 1, push=True),),
    ),
    _r(
        "zoom(?:ed)? in(?:to)?|zoom closer|closer(?: in| shot)?|get closer|move closer|punch in",
        "fill the frame",
        effects=(Step("zoom", 1),),
    ),
    _r(
        "zoom(?:ed)? out|pull back|pulled back|further away|farther away|step back|more room",
        effects=(Step("zoom", -1),),
    ),
    _r("extreme wide(?: shot)?|establishing shot", effects=(Step("zoom", -2, push=True),)),
    _r(
        "wide shot|wide angle|wider(?: shot| framing| angle)?|wide|long shot|full shot",
        effects=(Step("zoom", -1, push=True),),
    ),
    _r("medium shot|mid shot|normal framing", effects=(SetTo("zoom", 0.0),)),
    _r("zoom", effects=(Step("zoom", 1),), noun=True),
    # ---- camera moves ("slowly pushes in" is about the camera, not slow motion)
    _r(
        "slow(?:ly)? (?:orbit(?:s|ing)?|circl(?:e|es|ing))(?: around)?",
        effects=(SetTo("camera", "orbit"), Step("camera_speed", -0.5)),
    ),
    _r(
        r"slow(?:ly)? (?:\w+ )?(?:push(?:es|ing)? in|dolly(?:ing)?(?: in)?|creep(?:s|ing)? in)",
        r"slow(?:ly)? (?:\w+ )?track(?:s|ing)? in",
        effects=(SetTo("camera", "dolly in"), Step("camera_speed", -0.5)),
    ),
    _r(
        "slow(?:ly)? pan(?:s|ning)? (?:to the )?left",
        effects=(SetTo("camera", "pan left"), Step("camera_speed", -0.5)),
    ),
    _r(
        "slow(?:ly)? pan(?:s|ning)?(?: (?:to the )?right)?",
        effects=(SetTo("camera", "pan right"), Step("camera_speed", -0.5)),
    ),
    _r(
        "orbit(?:s|ing|al)?(?: around)?|circl(?:e|es|ing) (?:around )?the (?:bottle|product)|arc shot|arcs?",
        "rotate around|rotating around|revolv(?:e|ing) around|turntable|360",
        effects=(SetTo("camera", "orbit"),),
    ),
    _r(
        "pan(?:s|ning)? (?:to the )?left|pan leftwards?|leftward pan|move (?:the camera )?left",
        effects=(SetTo("camera", "pan left"),),
    ),
    _r(
        "pan(?:s|ning)? (?:to the )?right|pan rightwards?|rightward pan|move (?:the camera )?right",
        "pan(?:ning)?",
        effects=(SetTo("camera", "pan right"),),
    ),
    _r(
        "dolly (?:out|back)|dolly(?:ing)? away|pull(?:s|ing)? out|track(?:s|ing)? out|truck out",
        effects=(SetTo("camera", "dolly out"),),
    ),
    _r(
        "dolly(?: in| forward| shot)?|push(?:es|ing)? in|push in|track(?:s|ing)? in|tracking shot",
        "creep(?:s|ing)? in|slow push",
        effects=(SetTo("camera", "dolly in"),),
    ),
    _r(
        "static(?: camera| shot)?|locked off|locked down|lock(?: the)? camera|still camera|tripod|stationary",
        "hold the shot|no camera (?:movement|motion)|steady shot|fixed camera|camera still",
        effects=(SetTo("camera", "static"),),
    ),
    _r(
        "hand ?held|shaky(?: cam(?:era)?)?|documentary style|run and gun|camera shake|more organic camera",
        effects=(SetTo("camera", "handheld"),),
    ),
    _r(
        "slow(?:er)? (?:the )?camera(?: down)?|slow(?: \\w+)? camera|camera slower|slower camera",
        "gentler camera|smoother camera|calmer camera|less camera (?:movement|motion)",
        effects=(Step("camera_speed", -1),),
    ),
    _r(
        "faster camera|camera faster|quicker camera|speed up the camera|more camera (?:movement|motion)",
        "more dynamic camera|whip",
        effects=(Step("camera_speed", 1),),
    ),
    # ---- speed
    _r("time ?lapses?|hyper ?lapse|sped up footage|fast forward", effects=(Step("speed", 2, push=True),)),
    _r(
        "slow(?:ed)? ?mo(?:tion)?|slo ?mo|super slow|in slow motion|high frame ?rate",
        effects=(Step("speed", -1, push=True),),
    ),
    _r(
        "slower|slow (?:it |things |everything |the (?:action|motion|pace|scene) )?down|more slowly|slowly",
        "calmer pace|more leisurely|less rushed|gentler|slow",
        effects=(Step("speed", -1),),
    ),
    _r(
        "faster|speed (?:it |things |everything )?up|sped up|quicker|quickly|more quickly|snappier|pacier",
        "more pace|rapid|fast",
        effects=(Step("speed", 1),),
    ),
    _r("real ?time|normal speed|regular speed|natural speed", effects=(SetTo("speed", 0.0),)),
    _r("speed|pace|pacing|tempo|motion", effects=(Step("speed", 1),), noun=True),
    # ---- mood
    _r(
        "dream(?:y|ier|like|ily)|ethereal|hazy|heavenly|otherworldly|soft focus|surreal|magical",
        effects=(SetTo("mood", "dreamy"),),
    ),
    _r(
        "myster(?:ious|y)|enigmatic|secretive|intriguing|sinister|brooding|seductive|alluring",
        effects=(SetTo("mood", "mysterious"),),
    ),
    _r(
        "energetic|energy|dynamic|lively|upbeat|exciting|bold|powerful|intense|electric",
        effects=(SetTo("mood", "energetic"),),
    ),
    _r(
        "romantic|romance|love|sensual|intimate|passionate|valentines?|tender",
        effects=(SetTo("mood", "romantic"),),
    ),
    _r(
        "elegant|elegance|classy|sophisticated|refined|luxurious|luxury|timeless|chic|graceful|premium|upscale",
        effects=(SetTo("mood", "elegant"),),
    ),
    _r(
        "playful|fun|whimsical|cheerful|bubbly|joyful|quirky|cheeky|happy|lighthearted|youthful",
        effects=(SetTo("mood", "playful"),),
    ),
    # ---- settings
    _r(
        "beach(?: at sunset)?|seaside|sea ?shore|shore|ocean at sunset|by the sea|coast(?:al)?|tropical",
        effects=(SetTo("setting", "beach at sunset"),),
    ),
    _r(
        "city(?: at night| lights| skyline)?|night city|urban|rooftop|skyline|downtown|metropolis",
        "street at night|new york|manhattan|paris|london|tokyo|milan|dubai",
        effects=(SetTo("setting", "city at night"),),
    ),
    _r("marble(?: studio| table| pedestal| plinth| surface)?", effects=(SetTo("setting", "marble studio"),)),
    _r(
        "forest|woods|woodland|jungle|trees|enchanted garden|garden|greenery|botanical",
        effects=(SetTo("setting", "forest"),),
    ),
    _r("desert|dunes?|sand dunes|sahara|arid", effects=(SetTo("setting", "desert"),)),
    _r(
        "under ?water|under the sea|ocean floor|submerged|aquatic|deep sea|sea bed|seabed",
        effects=(SetTo("setting", "underwater"),),
    ),
    _r(
        "studio|plain backdrop|seamless backdrop|infinity cove|pedestal|plinth",
        effects=(SetTo("setting", "studio"),),
    ),
    # ---- elements
    _r("(?:rose |flower |red |pink )?petals?|roses|falling flowers", effects=(Elem("rose petals"),)),
    _r(
        "gold(?:en)? (?:dust|flakes|particles|leaf|glitter|specks)|glitter|stardust|shimmering dust",
        effects=(Elem("gold dust"),),
    ),
    _r(
        "(?:water )?droplets?|water drops|drops of water|dew(?:drops)?|condensation|splash(?:es)?|wet look",
        effects=(Elem("water droplets"),),
    ),
    _r(
        "smoke|smokey|smoky|mist|misty|fog|foggy|haze|vapou?r|steam|clouds? of smoke|dry ice",
        effects=(Elem("smoke"),),
    ),
    _r("silk(?:en)?|satin|fabric|ribbons?|drapes?|draping|chiffon|cloth", effects=(Elem("silk"),)),
    _r("bokeh|blurr?y lights|out of focus lights|fairy lights|light orbs|orbs", effects=(Elem("bokeh"),)),
    _r("rain(?:ing|y|fall|drops)?|drizzle|downpour|storm", effects=(Elem("rain"),)),
    _r("snow(?:ing|y|fall|flakes?)?|winter wonderland|blizzard|flurries", effects=(Elem("snow"),)),
    _r(
        "sparkl(?:es?|y|ing)|glints?|twinkl(?:e|es|ing)|glimmer(?:s|ing)?|shimmer(?:s|ing)?|stars|starry",
        "lens flares?|flares?",
        effects=(Elem("sparkles"),),
    ),
    _r("bubbles?|bubbly water|fizz", effects=(Elem("bubbles"),)),
    _r(
        "(?:all |the )?(?:particles|effects|elements|overlays|clutter|extras)|cleaner|clean it up|declutter",
        "minimal(?:ist)?|simpler|simplify|clean background",
        effects=(ClearElements(),),
    ),
    # ---- product
    _r(
        "hero shot|hero the (?:bottle|product)|make the (?:bottle|product) the hero|product hero",
        effects=(Step("product_scale", 1), SetTo("centred", True), SetTo("camera", "dolly in")),
    ),
    _r(
        "bigger|larger|more prominent|enlarge|scale up|bolder bottle|more visible",
        effects=(Step("product_scale", 1),),
    ),
    _r(
        "smaller|less prominent|shrink|scale down|more subtle bottle|tinier",
        effects=(Step("product_scale", -1),),
    ),
    _r(
        "cent(?:er|ered|ering)|in the middle|middle of the frame|symmetrical|symmetric",
        effects=(SetTo("centred", True),),
    ),
    _r(
        "off cent(?:er|ered)|rule of thirds|to the side|asymmetric(?:al)?", effects=(SetTo("centred", False),)
    ),
    _r(
        "lower in (?:the )?frame|lower third|lower (?:the )?(?:bottle|product)|(?:bottle|product|it) lower",
        "(?:move|place|put|position|bring) (?:it|the (?:bottle|product)) (?:down|lower)|bottom of the frame",
        "further down|closer to the bottom",
        effects=(Step("product_y", 1),),
    ),
    _r(
        "higher in (?:the )?frame|raise (?:the )?(?:bottle|product)|(?:bottle|product|it) higher",
        "(?:move|place|put|position|bring) (?:it|the (?:bottle|product)) (?:up|higher)|top of the frame",
        "further up",
        effects=(Step("product_y", -1),),
    ),
)

# Words that change what a matched phrase does, looked for just before it.
_REMOVE = re.compile(
    r"\b(?:no(?: more| longer)?|without|remove|removing|get rid of|rid of|lose|take (?:out|away)|drop|stop"
    r"|clear (?:away|out|the|all|up)|kill|cut(?: out)?|delete|eliminate|ditch|nix|zero|not any|none of"
    r"|free of|away with)\b"
)
_NOT = re.compile(r"\b(?:not|don ?t|do not|never|nor|isn ?t|shouldn ?t|avoid|instead of)\b")
_INVERT = re.compile(
    r"\b(?:less|fewer|not so|not as|too|reduce|reduced|decrease|lower|lessen|tone down|dial down|turn down"
    r"|bring down|weaken|cut down|cut back|minus|not that)\b"
)
_FEWER = re.compile(
    r"\b(?:less|fewer|too much|too many|reduce|tone down|dial down|thinner|lighter on|cut down)\b"
)
_MORE = re.compile(
    r"\b(?:more|increase|boost|raise|turn up|bring up|crank up|dial up|pump up|amp up|extra|up)\b"
)
_SMALL = re.compile(
    r"\b(?:a (?:little )?bit|a little|a touch|a tad|a hair|slightly|somewhat|subtly|mildly|marginally|kind of"
    r"|a smidge|lightly|gently|just a|barely|tiny bit)\b"
)
_BIG = re.compile(
    r"\b(?:much|a lot|lots|way|very|really|far|significantly|super|extremely|dramatically|heavily"
    r"|considerably|drastically|hugely|massively|totally|seriously|so much|twice as|tons?|loads)\b"
)
_CONNECTORS = re.compile(r"^(?:\s|,|&|\band\b|\bor\b|\bthe\b|\balso\b|\bplus\b|\bas well as\b|\bor any\b)*$")

_COMPILED: tuple[tuple[re.Pattern[str], Rule], ...] = tuple(
    (re.compile(rf"(?<![\w]){rule.pattern}(?![\w])"), rule) for rule in RULES
)

_WORD = re.compile(r"[a-z0-9]+")


def normalize(text: str) -> str:
    """Lower case, ASCII, hyphens and punctuation to spaces (sentence breaks kept as ' . ')."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = text.lower().replace("\u2019", "'").replace("'", " ")
    text = re.sub(r"colour", "color", text)
    text = re.sub(
        r"\bcentr(e|ed|es|ing)\b",
        lambda m: {"e": "center", "es": "centers"}.get(m.group(1), "center" + m.group(1)),
        text,
    )
    text = re.sub(r"([.!?;:])(\s|$)", r" . \2", text)
    text = re.sub(r"[-_/]", " ", text)
    text = re.sub(r"[^a-z0-9&.,+ ]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


@dataclass(frozen=True)
class Match:
    """One phrase found in a text, with the modifiers around it."""

    rule: Rule
    text: str
    start: int
    end: int
    sign: float  # +1, or -1 when inverted ("less bright", "too dark")
    scale: float  # intensity: 0.5 "a bit", 1, 2 "much"
    remove: bool  # "no smoke", "remove the petals"
    fewer: bool  # "less smoke"
    negated: bool  # "not dreamy": skip numbers, clear categories


def find_matches(text: str, *, ignore: Iterable[str] = ()) -> list[Match]:
    """Find every known phrase in ``text`` with its modifiers, in reading order."""
    norm = normalize(text)
    for term in ignore:
        t = normalize(term)
        if t:
            norm = re.sub(rf"(?<![\w]){re.escape(t)}(?![\w])", " ", norm)
    spans: list[tuple[int, int, Rule]] = []
    taken = [False] * (len(norm) + 1)
    # Longest phrases first, so "gold dust" beats "gold" and "black and white" beats "white".
    found: list[tuple[int, int, int, Rule]] = []
    for order, (rx, rule) in enumerate(_COMPILED):
        found.extend(
            (m.start() - m.end(), order, m.start(), rule) for m in rx.finditer(norm) if m.end() > m.start()
        )
    for neg_len, _order, start, rule in sorted(found, key=lambda f: f[:3]):
        end = start - neg_len
        if any(taken[start:end]):
            continue
        for i in range(start, end):
            taken[i] = True
        spans.append((start, end, rule))
    spans.sort()
    out: list[Match] = []
    prev_end = 0
    prev: Match | None = None
    for start, end, rule in spans:
        window_text = norm[prev_end:start]
        # The sentence break bounds the window.
        if " . " in f" {window_text} ":
            window_text = window_text.rsplit(".", 1)[-1]
            prev = None
        words = window_text.split()
        window = " ".join(words[-6:])
        after = " ".join(norm[end:].split()[:3])
        remove = bool(_REMOVE.search(window))
        negated = bool(_NOT.search(window)) and not _INVERT.search(window)
        invert = bool(_INVERT.search(window))
        fewer = bool(_FEWER.search(window))
        if rule.noun:
            if re.match(r"(?:down|lower|less)\b", after) or invert or remove:
                invert = True
            elif not (_MORE.search(window) or re.match(r"(?:up|higher|more)\b", after)):
                prev_end = end
                continue  # "the lights" with no direction says nothing
        scale = 1.0
        if _SMALL.search(window):
            scale = 0.5
        big = len(_BIG.findall(window))
        if big:
            scale = 1.0 + big
        if re.search(r"\beven more\b|\beven\b", window) and scale == 1.0:
            scale = 1.5
        # "remove the smoke and petals": a bare list item inherits the verb before it.
        if prev is not None and _CONNECTORS.match(window_text) and not (remove or invert or negated):
            if any(isinstance(e, Elem | ClearElements) for e in rule.effects) and prev.remove:
                remove = True
            fewer = fewer or prev.fewer
        match = Match(
            rule=rule,
            text=norm[start:end],
            start=start,
            end=end,
            sign=-1.0 if invert and not remove else 1.0,
            scale=min(scale, 3.0),
            remove=remove,
            fewer=fewer,
            negated=negated and not remove,
        )
        out.append(match)
        prev, prev_end = match, end
    return out


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
    """The outcome of applying an instruction: the new look and what the instruction asked."""

    look: Look
    matched: tuple[str, ...]


def apply_instruction(current: Look, instruction: str, *, ignore: Iterable[str] = ()) -> Applied:
    """Apply a marketer's instruction to ``current`` (a fully resolved look)."""
    look = current
    matched: list[str] = []
    elements = dict(current.elements)
    touched: set[str] = set()
    for m in find_matches(instruction, ignore=ignore):
        matched.append(m.text)
        for effect in m.rule.effects:
            if isinstance(effect, Step):
                if m.negated:
                    continue
                cur = look.num(effect.field)
                delta = effect.amount * m.sign * m.scale
                if effect.push and m.sign > 0:
                    new = (max(cur, 0.0) if delta > 0 else min(cur, 0.0)) + delta
                else:
                    new = cur + delta
                look = replace(look, **{effect.field: clamp(effect.field, new)})  # type: ignore[arg-type]
            elif isinstance(effect, SetTo):
                if m.negated or m.remove or m.sign < 0:
                    if getattr(look, effect.field) == effect.value:
                        cleared: Any = _CLEAR_CATEGORY.get(effect.field)
                        if isinstance(effect.value, bool):
                            cleared = not effect.value
                        if effect.field == "palette":
                            cleared = None
                        if effect.field == "mood":
                            cleared = None
                        look = replace(look, **{effect.field: cleared})
                else:
                    look = replace(look, **{effect.field: effect.value})
            elif isinstance(effect, Elem):
                if effect.name in touched:
                    continue  # "silk ribbons" names one element once
                touched.add(effect.name)
                have = elements.get(effect.name, 0.0)
                if m.remove or m.negated:
                    elements[effect.name] = 0.0
                elif m.fewer or m.sign < 0:
                    elements[effect.name] = 0.0 if have <= 0.5 else round(have * 0.5, 3)
                elif have > 0:
                    elements[effect.name] = min(3.0, round(have + 0.5 * m.scale, 3))
                else:
                    elements[effect.name] = min(3.0, m.scale if m.scale > 1 else 1.0)
            elif isinstance(effect, ClearElements) and not m.negated:
                elements = dict.fromkeys(elements, 0.0)
    return Applied(replace(look, elements=elements), tuple(matched))


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
    return round(50 * 1.25**zoom)


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
    colour += ", black and white" if lk.monochrome else f", saturation {round(30 * s):+d}%"
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


def parse_block(block: str) -> Look:
    """Read the cinematography block back (the inverse of :func:`render_block`)."""
    if not block:
        return Look()
    values: dict[str, Any] = {}
    keys = list(
        re.finditer(
            r"\b(Lighting|Colour|Camera|Motion|Mood|Setting|Elements|Product|Format):",
            block,
        )
    )
    sections: dict[str, str] = {}
    for i, k in enumerate(keys):
        end = keys[i + 1].start() if i + 1 < len(keys) else len(block)
        sections[k.group(1).lower()] = block[k.end() : end].strip().rstrip(".").strip()
    if (sec := sections.get("lighting")) is not None:
        name = sec.split(" light,", 1)[0].strip()
        if name in LIGHTINGS:
            values["lighting"] = name
        if m := re.search(r"exposure ([+-]?\d+(?:\.\d+)?) stops?", sec):
            values["brightness"] = clamp("brightness", _q(float(m.group(1))))
        if m := re.search(r"contrast ([+-]?\d+)%", sec):
            values["contrast"] = clamp("contrast", _q(int(m.group(1)) / 25))
    if (sec := sections.get("colour")) is not None:
        if m := re.search(r"(\d{4,5})K", sec):
            values["warmth"] = clamp("warmth", _q((5600 - int(m.group(1))) / 600))
        values["monochrome"] = "black and white" in sec
        if m := re.search(r"saturation ([+-]?\d+)%", sec):
            values["saturation"] = clamp("saturation", _q(int(m.group(1)) / 30))
        if (m := re.search(r", ([a-z ]+) palette", sec)) and m.group(1) in PALETTES:
            values["palette"] = m.group(1)
    if (sec := sections.get("camera")) is not None:
        name = sec.split(",", 1)[0].strip()
        if name in CAMERAS:
            values["camera"] = name
        if m := re.search(r"(\d+(?:\.\d+)?)x camera speed", sec):
            values["camera_speed"] = clamp("camera_speed", _q(math.log2(float(m.group(1)))))
        if m := re.search(r"(\d+)mm", sec):
            values["zoom"] = clamp("zoom", _q(math.log(int(m.group(1)) / 50) / _LOG125))
    if (sec := sections.get("motion")) is not None and (m := re.search(r"(\d+(?:\.\d+)?)x speed", sec)):
        values["speed"] = clamp("speed", _q(math.log2(float(m.group(1)))))
    if (sec := sections.get("mood")) is not None and sec in MOODS:
        values["mood"] = sec
    if (sec := sections.get("setting")) is not None and sec in SETTINGS:
        values["setting"] = sec
    elements: dict[str, float] = {}
    if (sec := sections.get("elements")) is not None:
        for name in ELEMENTS:
            if re.search(rf"\bno {name}\b", sec):
                elements[name] = 0.0
            elif m := re.search(rf"(?<!no ){name}(?: \((\d+(?:\.\d+)?)x density\))?", sec):
                elements[name] = float(m.group(1)) if m.group(1) else 1.0
    if (sec := sections.get("product")) is not None:
        if m := re.search(r"(\d+(?:\.\d+)?)x size", sec):
            values["product_scale"] = clamp("product_scale", _q(math.log(float(m.group(1))) / _LOG12))
        values["centred"] = ", centred" in sec
        values["product_y"] = 0.0
        if m := re.search(r"(lowered|raised) (\d+)% in frame", sec):
            sign = 1 if m.group(1) == "lowered" else -1
            values["product_y"] = clamp("product_y", _q(sign * int(m.group(2)) / 12))
    return Look(**values, elements=elements)


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
