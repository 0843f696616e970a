"""The English phrase table: what a marketer's words do to a ``Look``.

Each :class:`Rule` is a phrase pattern (matched on normalized text, whole
words only) and the effects it has. :func:`match_normalized` finds every phrase in
a text, longest first, with the modifiers around it: negation ("no smoke"), inversion
("less dark", "too warm"), intensity ("a bit", "much") and lists that inherit a verb
("remove the smoke and the petals").
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from editing.providers.offline.text import normalize

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
        "golden hours?|magic hour|sunset light|sunset glow|warm evening light|sunset|sundown|dusk|sunrise",
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
        "early morning(?: light)?|morning (?:light|sun)|morning|dawn|daybreak|first light",
        effects=(SetTo("lighting", "soft"), Step("warmth", -0.5)),
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
        "warmer|hotter|warm(?: it up| up| tones?| colou?rs?| light(?:ing)?| hues?)?|more orange|more amber",
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
        "full colou?rs?|in colou?rs?|colou?r again|colou?rs? back|recolou?r(?:ed)?|colou?ri[sz]ed?",
        "(?:bring|put|add) (?:back )?(?:some |the |a little )?colou?rs?(?: back)?",
        effects=(SetTo("monochrome", False),),
    ),
    # "almost no colour" keeps a trace of it: not black and white, only nearly
    _r(
        "(?:almost|nearly|practically|virtually) (?:no colou?rs?|colou?rless|without colou?rs?"
        "|black (?:and|&) white|gr[ae]y(?:scale)?|monochrome|desaturated)",
        "(?:barely|hardly) any colou?rs?|drained of colou?r",
        effects=(SetTo("monochrome", False), SetTo("saturation", -2.5)),
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
    _r("zoom(?:ed)? out|further away|farther away|step back|more room", effects=(Step("zoom", -1),)),
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
        "(?:track(?:s|ing)?|truck(?:s|ing)?|crab(?:s|bing)?|slid(?:e|es|ing)) (?:to the )?left",
        effects=(SetTo("camera", "pan left"),),
    ),
    _r(
        "pan(?:s|ning)? (?:to the )?right|pan rightwards?|rightward pan|move (?:the camera )?right",
        "(?:track(?:s|ing)?|truck(?:s|ing)?|crab(?:s|bing)?|slid(?:e|es|ing)) (?:to the )?right",
        "(?:track(?:s|ing)?|slid(?:e|es|ing)|glid(?:e|es|ing)) (?:along(?:side)?|past|across|sideways)",
        "tracking (?:along|sideways|past)|lateral (?:move|track(?:ing)?|slide)|side ?ways move|pan(?:ning)?",
        effects=(SetTo("camera", "pan right"),),
    ),
    _r(
        "dolly (?:out|back)|dolly(?:ing)? away|track(?:s|ing)? out|truck out",
        effects=(SetTo("camera", "dolly out"),),
    ),
    # a move in or out also ends closer or wider, so it shows on a scene that already dollies in
    _r(
        "pull(?:s|ing|ed)? (?:the camera |it |us )?(?:back|out|away)(?: to reveal)?|reveal shot",
        "(?:move|moves|moving|back|bring|take) (?:the camera |it )?(?:back|away)",
        "(?:move|moves|moving) away from the (?:bottle|product)",
        effects=(SetTo("camera", "dolly out"), Step("zoom", -1)),
    ),
    _r(
        "(?:push(?:es|ing)?|mov(?:e|es|ing)|go|come|get|creep(?:s|ing)?|bring) "
        "(?:the camera |the lens |it |us )?in(?:wards?)? (?:close|closer|tight(?:er)?)(?: up)?",
        effects=(SetTo("camera", "dolly in"), Step("zoom", 1, push=True)),
    ),
    _r(
        "push(?:es|ing)? (?:the camera |the lens |it )?in(?:wards?)?|push ?in",
        "mov(?:e|es|ing) (?:the camera )?in|move the camera forward|creep(?:s|ing)? in|slow push",
        effects=(SetTo("camera", "dolly in"), Step("zoom", 0.5)),
    ),
    _r(
        "dolly(?: in| forward| shot)?|track(?:s|ing)? in|tracking shot",
        effects=(SetTo("camera", "dolly in"),),
    ),
    # there is no vertical move: a crane up rises away from the bottle, which sinks in the frame
    _r(
        "crane(?:s|ing)? up|boom(?:s|ing)? up|jib(?:s|bing)? up|pedestal up|crane shot|rise above",
        "rising camera|camera ris(?:es|ing)",
        effects=(SetTo("camera", "dolly out"), Step("product_y", 1)),
    ),
    _r(
        "crane(?:s|ing)? down|boom(?:s|ing)? down|jib(?:s|bing)? down|pedestal down|descending camera",
        "camera (?:descends|descending|lowers)",
        effects=(SetTo("camera", "dolly in"), Step("product_y", -1)),
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

#: Words that change what a matched phrase does, looked for just before it (phrase patterns).
MODIFIERS: dict[str, str] = {
    "remove": (
        "no(?: more| longer)?|without|remove|removing|get rid of|rid of|lose|take (?:out|away)|drop|stop"
        "|clear (?:away|out|the|all|up)|kill|cut(?: out)?|delete|eliminate|ditch|nix|zero|not any|none of"
        "|free of|away with"
    ),
    "not": "not|don ?t|do not|never|nor|isn ?t|shouldn ?t|avoid|instead of",
    "invert": (
        "less|fewer|not so|not as|too|reduce|reduced|decrease|lower|lessen|tone down|dial down|turn down"
        "|bring down|weaken|cut down|cut back|minus|not that"
    ),
    "fewer": "less|fewer|too much|too many|reduce|tone down|dial down|thinner|lighter on|cut down",
    "more": "more|increase|boost|raise|turn up|bring up|crank up|dial up|pump up|amp up|extra|up",
    "small": (
        "a (?:little |wee |tiny |small )?bit|a little|a touch|a tad|a hair|slightly|somewhat|subtly|mildly"
        "|marginally|kind of|a smidge|lightly|gently|just a|barely|tiny bit|a hint|a notch|a shade|a fraction"
        "|faintly"
    ),
    "medium": "quite a bit|a fair bit|a good bit|noticeably|clearly|visibly|decidedly|markedly|quite|rather",
    "even": "even",
    "big": (
        "much|a lot|lots|way|very|really|far|significantly|super|extremely|dramatically|heavily"
        "|considerably|drastically|hugely|massively|totally|seriously|so much|twice as|tons?|loads|ultra"
        "|incredibly|insanely|a great deal|a whole lot|strongly|intensely|enormously|radically"
    ),
    # after a noun: "the brightness up", "smoke gone" (German puts the verb last: "Rauch entfernen")
    "up_after": "up|higher|more|increased?|boost(?:ed)?|raised?",
    "down_after": "down|lower|less|reduced?|decreased?|lowered",
    "remove_after": "remove|removed|gone|away",
}


def _words_rx(name: str) -> re.Pattern[str]:
    return re.compile(rf"\b(?:{MODIFIERS[name]})\b")


_REMOVE, _NOT, _INVERT, _FEWER, _MORE = (_words_rx(n) for n in ("remove", "not", "invert", "fewer", "more"))
_SMALL, _MEDIUM, _EVEN, _BIG = (_words_rx(n) for n in ("small", "medium", "even", "big"))
_UP_AFTER, _DOWN_AFTER = (re.compile(rf"(?:{MODIFIERS[n]})\b") for n in ("up_after", "down_after"))
_REMOVE_AFTER = re.compile(rf"(?:{MODIFIERS['remove_after']})\b")
_CONNECTORS = re.compile(r"^(?:\s|,|&|\band\b|\bor\b|\bthe\b|\balso\b|\bplus\b|\bas well as\b|\bor any\b)*$")

_COMPILED: tuple[tuple[re.Pattern[str], Rule], ...] = tuple(
    (re.compile(rf"(?<![\w]){rule.pattern}(?![\w])"), rule) for rule in RULES
)


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


def _spans(norm: str) -> list[tuple[int, int, Rule]]:
    """Every phrase in ``norm``, longest first where they overlap, in reading order."""
    found: list[tuple[int, int, int, Rule]] = []
    for order, (rx, rule) in enumerate(_COMPILED):
        found.extend(
            (m.start() - m.end(), order, m.start(), rule) for m in rx.finditer(norm) if m.end() > m.start()
        )
    taken = [False] * (len(norm) + 1)
    spans: list[tuple[int, int, Rule]] = []
    # Longest phrases first, so "gold dust" beats "gold" and "black and white" beats "white".
    for neg_len, _order, start, rule in sorted(found, key=lambda f: f[:3]):
        end = start - neg_len
        if any(taken[start:end]):
            continue
        for i in range(start, end):
            taken[i] = True
        spans.append((start, end, rule))
    return sorted(spans, key=lambda s: s[0])


def _scale(window: str) -> float:
    """The intensity the words before a phrase ask for: 0.5 "a bit", 1.5 "even", 2 "much", 3 "much much"."""
    if big := len(_BIG.findall(window)):
        return min(1.0 + big, 3.0)
    if _MEDIUM.search(window):
        return 1.5
    if _SMALL.search(window):
        return 0.5
    return 1.5 if _EVEN.search(window) else 1.0


def _modified(
    rule: Rule, norm: str, start: int, end: int, window_text: str, prev: Match | None
) -> Match | None:
    """The phrase at ``norm[start:end]`` with the modifiers in ``window_text`` (None: it says nothing)."""
    window = " ".join(window_text.split()[-6:])
    after = " ".join(norm[end:].split()[:3])
    remove = bool(_REMOVE.search(window))
    negated = bool(_NOT.search(window)) and not _INVERT.search(window)
    invert = bool(_INVERT.search(window))
    fewer = bool(_FEWER.search(window))
    if rule.noun:
        if _DOWN_AFTER.match(after) or invert or remove:
            invert = True
        elif not (_MORE.search(window) or _UP_AFTER.match(after)):
            return None  # "the lights" with no direction says nothing
    if _REMOVE_AFTER.match(after) and any(isinstance(e, Elem | ClearElements) for e in rule.effects):
        remove = True
    # "remove the smoke and petals": a bare list item inherits the verb before it.
    if prev is not None and _CONNECTORS.match(window_text) and not (remove or invert or negated):
        if any(isinstance(e, Elem | ClearElements) for e in rule.effects) and prev.remove:
            remove = True
        fewer = fewer or prev.fewer
    return Match(
        rule=rule,
        text=norm[start:end],
        start=start,
        end=end,
        sign=-1.0 if invert and not remove else 1.0,
        scale=_scale(window),
        remove=remove,
        fewer=fewer,
        negated=negated and not remove,
    )


def drop_terms(norm: str, ignore: Iterable[str]) -> str:
    """``norm`` without the perfume and brand names, which are never instructions."""
    for term in ignore:
        t = normalize(term)
        if t:
            norm = re.sub(rf"(?<![\w]){re.escape(t)}(?![\w])", " ", norm)
    return norm


def match_normalized(norm: str) -> list[Match]:
    """Every known phrase in an already normalized English text, with its modifiers."""
    out: list[Match] = []
    prev_end = 0
    prev: Match | None = None
    for start, end, rule in _spans(norm):
        window_text = norm[prev_end:start]
        if " . " in f" {window_text} ":  # the sentence break bounds the window
            window_text = window_text.rsplit(".", 1)[-1]
            prev = None
        prev_end = end
        match = _modified(rule, norm, start, end, window_text, prev)
        if match is not None:
            out.append(match)
            prev = match
    return out


def english_spans(norm: str) -> list[tuple[int, int]]:
    """Where the table finds phrases of several words (a mixed-language text keeps them English)."""
    return [(start, end) for start, end, _ in _spans(norm) if " " in norm[start:end]]
