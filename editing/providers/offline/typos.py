"""Near-misses: "brightr" is "brighter", "smoek" is "smoke"; "coler" could be "cooler" or "color".

A word the editor does not know is compared with every word it does, one edit away (a
letter missing, added, changed, or two letters swapped). One meaning among the candidates
corrects it; several are offered back as "did you mean …?". Short words are where real
words collide ("hold" and "gold", "park" and "dark"), so in words of four letters the
first letter is never changed and no letter is dropped, and shorter words are left alone.
"""

from __future__ import annotations

import string
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass

MIN_ANY_EDIT = 5
MIN_SWAP_OR_MISSING = 4


def _swaps(word: str) -> Iterator[str]:
    for i in range(len(word) - 1):
        yield word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def _inserts(word: str) -> Iterator[str]:
    for i in range(len(word) + 1):
        for c in string.ascii_lowercase:
            yield word[:i] + c + word[i:]


def _deletes(word: str) -> Iterator[str]:
    for i in range(len(word)):
        yield word[:i] + word[i + 1 :]


def _replaces(word: str, start: int = 0) -> Iterator[str]:
    for i in range(start, len(word)):
        for c in string.ascii_lowercase:
            if c != word[i]:
                yield word[:i] + c + word[i + 1 :]


def one_edit(word: str) -> set[str]:
    """The words one edit away from ``word`` that this module considers for its length."""
    if len(word) < MIN_SWAP_OR_MISSING or not word.isalpha():
        return set()
    out = set(_swaps(word)) | set(_inserts(word))
    if len(word) >= MIN_ANY_EDIT:
        out |= set(_deletes(word)) | set(_replaces(word))
    else:
        out |= set(_replaces(word, start=1))
    out.discard(word)
    return out


@dataclass(frozen=True)
class Guess:
    """What an unknown word may have been meant as."""

    word: str
    candidates: tuple[str, ...]  # known words one edit away, one per meaning

    @property
    def sure(self) -> bool:
        return len(self.candidates) == 1


class Speller:
    """Corrects words against the vocabulary, where each word has a meaning.

    Args:
        meanings: target word → what it means (words that mean the same are interchangeable:
            "brightr" may be "bright" or "brighter", both brighten).
        known: every word that is never a typo, targets included.
    """

    def __init__(self, meanings: Mapping[str, str], known: Iterable[str]) -> None:
        self.meanings = dict(meanings)
        self.known = frozenset(known) | frozenset(self.meanings)

    def guess(self, word: str) -> Guess | None:
        """The known words ``word`` is one edit from, or None when it is known or too far from any."""
        if word in self.known:
            return None
        by_meaning: dict[str, str] = {}
        # a changed or swapped letter first, then a missing one ("brightr" is "brighter"), then an extra one
        for candidate in sorted(one_edit(word), key=lambda c: (abs(len(c) - len(word)), -len(c), c)):
            meaning = self.meanings.get(candidate)
            if meaning is not None:
                by_meaning.setdefault(meaning, candidate)
        if not by_meaning:
            return None
        return Guess(word, tuple(sorted(by_meaning.values())))
