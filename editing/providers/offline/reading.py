"""An instruction as the English phrase table reads it: its language, its typos, and its intent.

:func:`read_instruction` splits a marketer's instruction into sentences, corrects words one
edit from a known word, finds which languages it is written in, reads those into English and
sets aside what is not an instruction (questions, greetings, chat). :func:`read_description`
does only the language part, for prompts and style specs, which are written, not typed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache

from editing.providers.offline import lang
from editing.providers.offline.intent import Refusal, Sentence, screen
from editing.providers.offline.phrases import (
    MODIFIERS,
    RULES,
    Match,
    drop_terms,
    english_spans,
    match_normalized,
)
from editing.providers.offline.text import join, normalize, tokens
from editing.providers.offline.typos import MIN_ANY_EDIT, Guess, Speller
from editing.providers.offline.wordforms import expand


@dataclass(frozen=True)
class Reading:
    """What the editor understood from an instruction."""

    english: str  # normalized English for the phrase table ("" when nothing in it is an instruction)
    language: str  # the main language, "en", "fr", "es", "it" or "de"
    languages: tuple[str, ...]  # every language read, main first
    corrections: tuple[tuple[str, str], ...] = ()  # (typed, read as)
    suggestions: tuple[str, ...] = ()  # "did you mean …" for near-misses with several meanings
    refusal: Refusal | None = None


@dataclass(frozen=True)
class _Vocabulary:
    english: frozenset[str]  # every English word the editor knows
    table: frozenset[str]  # the English words of the phrase table and its modifiers
    meanings: Mapping[str, Mapping[str, str]]  # language → word → what it means, for typos


def _english_meanings() -> dict[str, str]:
    """Each phrase-table word's meaning: the rules it is a whole phrase of, else the word itself."""
    alone: dict[str, set[int]] = {}
    parts: set[str] = set()
    for i, rule in enumerate(RULES):
        for phrase in expand(rule.pattern):
            words = [w for w in phrase.split() if w.isalnum()]
            if len(words) == 1 and phrase == words[0]:
                alone.setdefault(words[0], set()).add(i)
            else:
                parts.update(words)
    meanings = {w: "rules:" + ",".join(map(str, sorted(ids))) for w, ids in alone.items()}
    for w in parts:
        meanings.setdefault(w, "word:" + w)
    for pattern in MODIFIERS.values():
        for phrase in expand(pattern):
            for w in phrase.split():
                meanings.setdefault(w, "modifier:" + w)
    return meanings


def _foreign_meanings(language: lang.Language, english: Mapping[str, str]) -> dict[str, str]:
    """A foreign word means what its English does ("sombre" and "dark" are one meaning)."""
    out: dict[str, str] = {}
    for key, translation in language.phrases.items():
        if len(key) == 1:
            out[key[0]] = english.get(translation, "translation:" + translation)
        else:
            for w in key:
                out.setdefault(w, "word:" + w)
    return out


@cache
def _vocabulary() -> _Vocabulary:
    english = _english_meanings()
    meanings: dict[str, Mapping[str, str]] = {lang.ENGLISH: english}
    for language in lang.LANGUAGES:
        meanings[language.code] = _foreign_meanings(language, english)
    return _Vocabulary(
        english=frozenset(english) | lang.english_words(),
        table=frozenset(english),
        meanings=meanings,
    )


@cache
def _speller(codes: tuple[str, ...]) -> Speller:
    vocabulary = _vocabulary()
    targets: dict[str, str] = {}
    for code in codes:
        for word, meaning in vocabulary.meanings[code].items():
            targets.setdefault(word, meaning)
    known = set(vocabulary.english)
    for language in lang.LANGUAGES:
        known |= language.words
    return Speller(targets, known)


def _evidence(words: Sequence[str], raw: str) -> lang.Evidence:
    return lang.detect(words, raw, english=_vocabulary().english, languages=lang.LANGUAGES)


def _foreign(evidence: lang.Evidence) -> list[lang.Language]:
    """The languages other than English the text is written in, strongest first."""
    by_code = {language.code: language for language in lang.LANGUAGES}
    return [by_code[c] for c in evidence.written_in if c in by_code]


def _to_english(words: list[str], languages: Sequence[lang.Language]) -> list[str]:
    """Foreign phrases read as English; English phrases of several words are left as they are."""
    if not languages:
        return words
    text = join(words)
    starts = [m.start() for m in re.finditer(r"[a-z0-9]+|[.,&+]", text)]
    spans = english_spans(text)
    keep = {i for i, s in enumerate(starts) if any(a <= s < b for a, b in spans)}
    return lang.translate(words, languages, keep=keep).tokens


def read_description(text: str, *, ignore: Iterable[str] = ()) -> str:
    """A prompt or style text in normalized English (foreign phrases read into English)."""
    words = tokens(drop_terms(normalize(text), ignore))
    return join(_to_english(words, _foreign(_evidence(words, text))))


def find_matches(text: str, *, ignore: Iterable[str] = ()) -> list[Match]:
    """Every known phrase of a description, in any language the editor reads, with its modifiers."""
    return match_normalized(read_description(text, ignore=ignore))


_SENTENCE = re.compile(r"(?<=[.!?;:])\s+|(?=[¿¡])")


def _sentences(text: str, ignore: Iterable[str]) -> list[tuple[list[str], bool]]:
    out = []
    for raw in _SENTENCE.split(text):
        words = [w for w in tokens(drop_terms(normalize(raw), ignore)) if w != "."]
        if words:
            out.append((words, "?" in raw or "¿" in raw))
    return out


def _guess(word: str, evidence: lang.Evidence) -> Guess | None:
    """A near-miss in the languages the text is written in; a long word also in any it shows a word of.

    "hace calor" is not English, so "hace" is not "haze"; "walk in the park" is English, so
    "walk" is not the German "Wald"; "plus lumineu" shows French, so "lumineu" is "lumineux".
    """
    if not any(evidence.scores.values()):  # nothing but near-misses: any language
        return _speller(tuple(lang.NAMES)).guess(word)
    guess = _speller(evidence.written_in).guess(word)
    if guess is None and len(word) >= MIN_ANY_EDIT:
        guess = _speller(tuple(evidence.ranked())).guess(word)
    return guess


def _correct(
    sentences: list[tuple[list[str], bool]], evidence: lang.Evidence
) -> tuple[list[tuple[str, str]], list[str]]:
    """Correct near-misses in place; return (corrections, suggestions for the ambiguous ones)."""
    corrections: list[tuple[str, str]] = []
    suggestions: list[str] = []
    for words, _asked in sentences:
        for i, word in enumerate(words):
            guess = _guess(word, evidence)
            if guess is None:
                continue
            if guess.sure:
                words[i] = guess.candidates[0]
                corrections.append((word, words[i]))
            else:
                suggestions.extend(c for c in guess.candidates if c not in suggestions)
    return corrections, suggestions


def read_instruction(text: str, *, ignore: Iterable[str] = ()) -> Reading:
    """Read a marketer's instruction: typos, languages, English, and whether it is an instruction."""
    sentences = _sentences(text, ignore)
    words = [w for ws, _ in sentences for w in ws]
    corrections, suggestions = _correct(sentences, _evidence(words, text))
    evidence = _evidence([w for ws, _ in sentences for w in ws], text)
    foreign = _foreign(evidence)
    english = [Sentence(_to_english(ws, foreign), asked) for ws, asked in sentences]
    screened = screen(english, _vocabulary().table)
    return Reading(
        english=screened.text,
        language=evidence.main,
        languages=evidence.written_in,
        corrections=tuple(corrections),
        suggestions=tuple(suggestions),
        refusal=screened.refusal,
    )
