"""Is it an instruction? Questions, greetings and chat are set aside before any phrase is read.

"what is the weather in Paris" names a place, "I love red" a colour: neither asks for a
change. The test runs on the English reading (other languages are translated first) and
clause by clause, so "hi! can you make it warmer?" keeps its request and drops its greeting.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from enum import Enum

from editing.providers.offline.lang import en


class Refusal(Enum):
    """Why an instruction holds nothing to apply; the value reads after "reads as"."""

    QUESTION = "a question, not an edit"
    GREETING = "a greeting, not an edit"
    OFF_TOPIC = "something other than the scene"


@dataclass(frozen=True)
class Sentence:
    """One sentence of an instruction in English words, and whether it was asked ("?" or "¿")."""

    words: list[str]
    asked: bool


@dataclass(frozen=True)
class Screened:
    """The clauses that are instructions, joined back, or why there are none."""

    text: str
    refusal: Refusal | None


def _starts(words: list[str], phrases: tuple[str, ...]) -> bool:
    head = " ".join(words[:5])
    return any(head == p or head.startswith(p + " ") for p in phrases)


def _has_cue(words: list[str]) -> bool:
    """An edit verb, an intensity or negation, a comparative, or a request form."""
    return any(w in en.CUE_WORDS or w in en.COMPARATIVES for w in words) or _starts(words, en.REQUEST_STARTS)


def _about_the_scene(words: list[str]) -> bool:
    """A statement about the scene ("it's too dark") rather than about Paris or the weather."""
    copula = next((i for i, w in enumerate(words) if w in en.COPULAS), None)
    if copula is None:
        return True
    return all(w in en.SCENE_SUBJECTS for w in words[:copula])


def clause_refusal(words: list[str]) -> Refusal | None:
    """Why a clause is not an instruction, or None when it is one.

    A clause about someone, some day or another topic must ask for something ("I want it
    warmer"); any other clause must be a request or be about the scene ("golden hour",
    "it's too dark"), not a statement about something else ("Paris is lovely").
    """
    if not words:
        return None
    if words[0] in en.GREETINGS or _starts(words, en.GREETING_PHRASES):
        return None if _has_cue(words[1:]) else Refusal.GREETING
    if any(w in en.PERSONAL or w in en.TIMES or w in en.OFF_TOPIC for w in words):
        return None if _asks(words) else Refusal.OFF_TOPIC
    if _has_cue(words) or _about_the_scene(words):
        return None
    return Refusal.OFF_TOPIC


def _asks(words: list[str]) -> bool:
    """A request among personal words: "I want it warmer", "we need golden hour"; not "tell me"."""
    if any(w in en.OFF_TOPIC for w in words):
        return False
    requests = {"want", "need", "prefer", "should", "please", "make", "add", "remove", "give", "use", "let"}
    would_like = any(a in ("would", "d") and b == "like" for a, b in itertools.pairwise(words))
    return bool(requests & set(words)) or would_like or _starts(words, en.REQUEST_STARTS)


def question_refusal(sentence: Sentence, known: frozenset[str]) -> Refusal | None:
    """A question that is not a request ("what is …" but not "could you …", "how about …")."""
    words = sentence.words
    if not words or _starts(words, en.REQUEST_STARTS):
        return None
    if words[0] in en.INTERROGATIVES:
        return Refusal.QUESTION
    if sentence.asked and not (_has_cue(words) or all(w in known or w == "," for w in words)):
        return Refusal.QUESTION  # "¿qué tiempo hace en Madrid?"; "warmer?" stays an instruction
    return None


_CLAUSE_BREAK = re.compile(r"^(?:,|but)$")


def _clauses(words: list[str]) -> list[list[str]]:
    out: list[list[str]] = [[]]
    for w in words:
        if _CLAUSE_BREAK.match(w):
            out.append([])
        else:
            out[-1].append(w)
    return [c for c in out if c]


def screen(sentences: list[Sentence], known: frozenset[str]) -> Screened:
    """Keep the clauses that are instructions; if none is, say why the first one is not."""
    kept: list[str] = []
    first: Refusal | None = None
    for sentence in sentences:
        refusal = question_refusal(sentence, known)
        if refusal is not None:
            first = first or refusal
            continue
        clauses = []
        for clause in _clauses(sentence.words):
            why = clause_refusal(clause)
            if why is None:
                clauses.append(" ".join(clause))
            else:
                first = first or why
        if clauses:
            kept.append(", ".join(clauses))
    text = " . ".join(kept)
    return Screened(text, None if text else first)
