"""Text as every table of the offline engine reads it: lower case, ASCII, words and a few marks."""

from __future__ import annotations

import re
import unicodedata

#: Letters that Unicode does not decompose into ASCII ones.
_LIGATURES = str.maketrans({"ß": "ss", "æ": "ae", "œ": "oe", "ø": "o", "\u2019": "'", "\u2018": "'"})
_TOKEN = re.compile(r"[a-z0-9]+|[.,&+]")


def normalize(text: str) -> str:
    """Lower case, ASCII, hyphens and punctuation to spaces (sentence breaks kept as ' . ')."""
    text = text.lower().translate(_LIGATURES)
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = text.replace("'", " ")
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


def tokens(norm: str) -> list[str]:
    """The words and marks of a normalized text ("warmer, and" → "warmer", ",", "and")."""
    return _TOKEN.findall(norm)


def join(words: list[str]) -> str:
    """The normalized text of a token list (the inverse of :func:`tokens`)."""
    return re.sub(r" ,", ",", " ".join(words))
