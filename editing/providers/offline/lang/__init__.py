"""The languages perfume houses brief in: which one an instruction is in, and its English reading.

Each language module (``fr``, ``es``, ``it``, ``de``) maps its phrases to the English
phrase table's (``VOCABULARY``) and to the English words around them (``GRAMMAR``:
intensity, negation, verbs, questions). An instruction is read word by word, longest
phrase first, with every language it shows evidence of, so "plus chaud and add smoke"
works; English phrases of several words are left alone ("rose gold" is not French pink).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType

from editing.providers.offline.lang import de, en, es, fr, it
from editing.providers.offline.text import normalize, tokens
from editing.providers.offline.wordforms import expand, words_of

ENGLISH = "en"


@dataclass(frozen=True)
class Language:
    """One language the offline editor reads."""

    code: str
    name: str
    examples: str  # refusal examples, written in this language
    accents: str  # letters that point to this language in the raw text
    phrases: Mapping[tuple[str, ...], str]  # normalized foreign words → English
    vocabulary: Mapping[tuple[str, ...], str]  # the part of ``phrases`` that names a look
    longest: int  # words in the longest phrase
    words: frozenset[str]  # every word of ``phrases``


def _table(patterns: Mapping[str, str]) -> dict[tuple[str, ...], str]:
    out: dict[tuple[str, ...], str] = {}
    for pattern, english in patterns.items():
        for phrase in expand(pattern):
            key = tuple(tokens(normalize(phrase)))
            if key:
                out.setdefault(key, english)
    return out


def load(module: ModuleType) -> Language:
    """Build a :class:`Language` from one of the language modules."""
    vocabulary = _table(module.VOCABULARY)
    phrases = {**_table(module.GRAMMAR), **vocabulary}
    return Language(
        code=module.CODE,
        name=module.NAME,
        examples=module.EXAMPLES,
        accents=module.ACCENTS,
        phrases=phrases,
        vocabulary=vocabulary,
        longest=max(len(k) for k in phrases),
        words=frozenset(w for phrase in phrases for w in phrase),
    )


MODULES: tuple[ModuleType, ...] = (fr, es, it, de)
LANGUAGES: tuple[Language, ...] = tuple(load(m) for m in MODULES)
NAMES = {ENGLISH: en.NAME, **{m.CODE: m.NAME for m in MODULES}}
EXAMPLES = {ENGLISH: en.EXAMPLES, **{m.CODE: m.EXAMPLES for m in MODULES}}


#: How many words only a language knows before a text counts as written in it.
ACTIVE = 1.0


@dataclass(frozen=True)
class Evidence:
    """How strongly a text is in each language.

    ``scores`` share a word among the languages that know it ("plus" is half French, half
    English) and rank them; ``own`` counts the words only one language knows, and decides
    which languages the text is written in ("no smoke" is not Spanish for knowing "no").
    """

    scores: Mapping[str, float]
    own: Mapping[str, float]

    def ranked(self) -> list[str]:
        """Languages with any evidence, strongest first (English first on a tie)."""
        order = [ENGLISH, *(m.CODE for m in MODULES)]
        present = [code for code in order if self.scores.get(code, 0.0) > 0]
        return sorted(present, key=lambda code: -self.scores[code]) or [ENGLISH]

    @property
    def main(self) -> str:
        return self.ranked()[0]

    @property
    def written_in(self) -> tuple[str, ...]:
        """The main language and every other one with words of its own, strongest first."""
        return tuple(c for c in self.ranked() if c == self.main or self.own.get(c, 0.0) >= ACTIVE)


def detect(
    tokens: Sequence[str], raw: str, *, english: frozenset[str], languages: Iterable[Language]
) -> Evidence:
    """Score each language by the words of ``tokens`` it knows and the accents ``raw`` is written with.

    Args:
        english: every English word the editor knows (phrase table and function words).
    """
    known: dict[str, frozenset[str]] = {ENGLISH: english}
    accents: dict[str, str] = {}
    for language in languages:
        known[language.code] = language.words
        accents[language.code] = language.accents
    scores = dict.fromkeys(known, 0.0)
    own = dict.fromkeys(known, 0.0)
    for token in tokens:
        owners = [code for code, words in known.items() if token in words]
        for code in owners:
            scores[code] += 1.0 / len(owners)
        if len(owners) == 1:
            own[owners[0]] += 1.0
    lowered = raw.lower()
    for code, letters in accents.items():
        if any(ch in lowered for ch in letters):
            scores[code] += 0.5
    return Evidence(scores, own)


@dataclass(frozen=True)
class Translation:
    """A token list read into English, and which phrases were read how."""

    tokens: list[str]
    read: list[tuple[str, str]]  # (foreign phrase, English) in reading order


def translate(tokens: Sequence[str], languages: Sequence[Language], *, keep: set[int]) -> Translation:
    """Replace foreign phrases by their English, longest first, the first language winning a tie.

    Args:
        keep: positions of tokens that are already part of an English phrase.
    """
    out: list[str] = []
    read: list[tuple[str, str]] = []
    i = 0
    longest = max((lang.longest for lang in languages), default=0)
    while i < len(tokens):
        hit = None if i in keep else _longest_phrase(tokens, i, languages, longest, keep)
        if hit is None:
            out.append(tokens[i])
            i += 1
            continue
        size, english = hit
        read.append((" ".join(tokens[i : i + size]), english))
        out.extend(english.split())
        i += size
    return Translation(out, read)


def _longest_phrase(
    tokens: Sequence[str], i: int, languages: Sequence[Language], longest: int, keep: set[int]
) -> tuple[int, str] | None:
    for size in range(min(longest, len(tokens) - i), 0, -1):
        if any(j in keep for j in range(i, i + size)):
            continue
        key = tuple(tokens[i : i + size])
        for language in languages:
            if key in language.phrases:
                return size, language.phrases[key]
    return None


def english_words() -> frozenset[str]:
    """English words beyond the phrase table: grammar, questions, greetings."""
    return (
        en.FUNCTION_WORDS
        | en.ORDINARY
        | en.CUE_WORDS
        | en.COMPARATIVES
        | en.GREETINGS
        | en.INTERROGATIVES
        | en.PERSONAL
        | en.TIMES
        | en.OFF_TOPIC
        | en.COPULAS
        | en.SCENE_SUBJECTS
        | words_of(en.GREETING_PHRASES)
        | words_of(en.REQUEST_STARTS)
    )
