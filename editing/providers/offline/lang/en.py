"""English beyond the phrase table: the words that tell an instruction from a question or a chat.

Every other language is translated into English first, so these lists are the only place
where "is this an instruction?" is decided. Words are space-separated, already normalized
(lower case, no accents, apostrophes as spaces: "i m", "let s").
"""

from __future__ import annotations

NAME = "English"
EXAMPLES = (
    '"make it brighter", "warmer and slower", "add rose petals", "zoom in on the bottle", "no more smoke"'
)


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Words an instruction is made of besides the phrase table (never typos, evidence of English).
FUNCTION_WORDS = _words(
    """
    a an the it its it s this that these those them there here is are was were be been being am
    and or but so then also plus with without of in on at to into onto from by for as like than
    make makes made add adds put give use set turn go try change switch bring let keep show place
    move get want need would could can should will shall may might must do does did please
    some any all every each other another one two three more less most least much many very
    really just only still again now please thanks thank you we i me my our us your he she they
    what which who whom whose where when why how if whether not no yes ok okay
    scene image picture video shot frame clip ad film footage background foreground bottle
    product perfume fragrance camera lens look feel vibe mood whole overall everything thing
    bit little lot touch tad way far too even quite rather ever
    """
)

#: Everyday words of a brief that sit one letter from a phrase-table word ("lovely" is not "lively").
ORDINARY = _words(
    """
    lovely pretty beautiful gorgeous stunning perfect great amazing awesome nice good better best
    worse bad fine cute sexy sleek classic modern sharp smooth glossy shiny fancy simple plain
    looking looks seems feels wants needs likes loves hate think guess maybe perhaps little
    wrong version option first second last next previous earlier before after thing things
    stuff kind sort type style change changes edit edits tweak tweaks adjust fix client brand
    logo label text title music sound voice actor model woman man girl boy hand hands face
    table glass cap liquid reflection shadow shadows floor wall walls sky sea weather
    """
)

#: The first words of a question that is really a request ("could you …", "how about …").
REQUEST_STARTS = (
    "can you",
    "could you",
    "would you",
    "will you",
    "can we",
    "could we",
    "can it",
    "could it",
    "can i",
    "how about",
    "what about",
    "what if",
    "why not",
    "is it possible",
    "would it be possible",
    "do you mind",
    "mind",
)
#: Words a question starts with.
INTERROGATIVES = _words(
    "what which who whom whose where when why how is are was were do does did will shall am have has"
)
#: Words that start a greeting or a thank-you.
GREETINGS = _words("hello hi hey hiya greetings thanks thank cheers bye goodbye welcome dear")
GREETING_PHRASES = ("good morning", "good afternoon", "good evening", "good night", "good day")
#: Verbs and words that make a clause an edit request.
CUE_WORDS = _words(
    """
    make add remove put give use set turn go try change switch bring let keep show place move push
    pull zoom pan slow speed brighten darken lighten deepen soften sharpen increase decrease reduce
    lower raise lift boost crank dial tone drop lose rid cut kill delete center include apply shift
    track crane dolly orbit rotate spin swap replace fill desaturate saturate enlarge shrink scale
    sprinkle scatter want need prefer should please more less too no not without much very bit
    slightly even extra fewer touch lot way super rather quite hint notch almost nearly again
    instead warm cool frame stop hold reframe give
    """
)
#: Comparatives: "brighter" asks for a change on its own.
COMPARATIVES = _words(
    """
    brighter darker warmer cooler colder bigger larger smaller tinier softer harder harsher slower
    faster quicker wider closer tighter lighter dimmer richer deeper bolder punchier crisper moodier
    gloomier sunnier cosier cozier toastier icier bluer redder greener pinker duller flatter higher
    lower dreamier calmer gentler smoother snappier pacier juicier murkier simpler cleaner farther
    further
    """
)
#: Words that put a clause about someone or some time, not about the scene.
PERSONAL = _words("i me my mine myself we our ours us he him his she her hers they them their theirs")
TIMES = _words("today yesterday tomorrow weekend monday tuesday wednesday thursday friday saturday sunday")
OFF_TOPIC = _words(
    """
    forecast news joke jokes poem story recipe email mail meeting flight flights hotel
    restaurant stock stocks football soccer score capital population president homework tell
    explain say write translate send book call remind price prices cost costs
    """
)
#: Verbs that make a statement ("the weather is nice") rather than a request.
COPULAS = _words("is are was were am be been s looks seems feels")
#: What a statement may be about and still be about the scene ("it's too dark", "the light is harsh").
SCENE_SUBJECTS = _words(
    """
    it this that everything scene image picture video shot frame clip ad light lighting lights
    colour color colours colors bottle product camera background look mood whole overall the a an
    its so very now still all
    """
)
