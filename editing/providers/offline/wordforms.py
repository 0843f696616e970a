r"""Every phrase a vocabulary pattern stands for, so words can be listed, counted and corrected.

The phrase tables are written in a small subset of regular expressions: literal text,
``(?:a|b)`` groups, ``[sz]`` letter sets, ``?`` after a letter, set or group, and ``\w+`` for "any one word"
("slowly \w+ pushes in"). :func:`expand` lists every phrase such a pattern matches.
"""

from __future__ import annotations

from collections.abc import Iterable

#: Stands for ``\w+`` (any one word) in an expanded phrase.
ANY_WORD = "*"


class PatternError(ValueError):
    """A vocabulary pattern uses syntax beyond the subset the tables are written in."""


def _sequence(pattern: str, i: int, limit: int) -> tuple[list[str], int]:
    """The phrases of the alternatives starting at ``pattern[i]``, up to a closing ``)`` or the end."""
    done: list[str] = []
    current = [""]
    while i < len(pattern) and pattern[i] != ")":
        char = pattern[i]
        if char == "|":
            done.extend(current)
            current, i = [""], i + 1
            continue
        if pattern.startswith("(?:", i):
            atom, i = _sequence(pattern, i + 3, limit)
            if i >= len(pattern):
                raise PatternError(f"unclosed group in {pattern!r}")
            i += 1
        elif pattern.startswith(r"\w+", i):
            atom, i = [ANY_WORD], i + 3
        elif char == "[" and (end := pattern.find("]", i)) > i + 1 and pattern[i + 1 : end].isalpha():
            atom, i = list(pattern[i + 1 : end]), end + 1
        elif char in "\\[]{}*+.^$(":
            raise PatternError(f"{char!r} at {i} in {pattern!r} is outside the phrase subset")
        else:
            atom, i = [char], i + 1
        if i < len(pattern) and pattern[i] == "?":
            atom, i = [*atom, ""], i + 1
        current = [head + tail for head in current for tail in atom]
        if len(current) > limit:
            raise PatternError(f"{pattern!r} stands for more than {limit} phrases")
    done.extend(current)
    return done, i


def expand(pattern: str, *, limit: int = 20_000) -> list[str]:
    """Every phrase ``pattern`` matches, in order, without repeats.

    Raises:
        PatternError: the pattern uses syntax outside the subset, or stands for too many phrases.
    """
    phrases, end = _sequence(pattern, 0, limit)
    if end != len(pattern):
        raise PatternError(f"unbalanced ')' in {pattern!r}")
    return list(dict.fromkeys(" ".join(p.split()) for p in phrases))


def words_of(phrases: Iterable[str]) -> set[str]:
    """The words the phrases are made of (letters and digits only)."""
    return {w for p in phrases for w in p.split() if w.isalnum()}
