"""Text Atelier did not write itself is shown as text: the one escaping rule of the pages.

Instructions, prompts and summaries (a model may emit Markdown), error messages that
quote input, user, brand, perfume, campaign and file names all reach Markdown-rendering
elements (st.markdown, st.caption, st.success/error/warning/info, status, toast, tab and
expander labels, widget labels). There they pass through :func:`md` (block text) or
:func:`label` (one line, shortened), which backslash-escape every character Markdown,
Streamlit's directives (``:red[...]``, ``:material/...:``), emoji shortcodes, LaTeX,
autolinks and raw HTML could use, so an image, a link or a tag is shown as the characters
typed and never fetched; URLs and e-mail addresses in the text get an invisible word
joiner so the renderer's autolinking does not pick them up. Invisible bidi and zero-width
characters are shown by name, so they cannot reorder what a reader sees.
``tests/test_safe_text.py`` fails if a page interpolates a value into such an element
without these helpers.

Stored text stays exactly as typed; escaping happens here, at display.
"""

from __future__ import annotations

import re
import unicodedata

# Every ASCII punctuation character may be backslash-escaped in CommonMark; these are the
# ones that can start or shape a construct (links, images, emphasis, code, HTML, entities,
# lists, headings, tables, math, directives, autolinks, e-mail links).
_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:&@=\"'^%/])")
_LABEL_LIMIT = 120
# Streamlit's renderer (remark-gfm) turns URLs and e-mail addresses in *text* into links after
# escapes are resolved, so escaping cannot stop it: an invisible word joiner after the scheme,
# "www" or "@" breaks the pattern without changing what a reader sees.
_AUTOLINK = re.compile(r"\b(?:https?|ftp|mailto|xmpp)(?=:)|\bwww(?=\.)|@", re.I)
_JOINER = "\u2060"


def _visible(ch: str) -> str:
    """An invisible formatting or control character, named instead of acting."""
    return f"[U+{ord(ch):04X}]"


def _clean(text: str) -> str:
    out = []
    for ch in text:
        if ch in "\n\t":
            out.append(ch)
        elif unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs", "Zl", "Zp"):
            out.append(_visible(ch))
        else:
            out.append(ch)
    return _AUTOLINK.sub(lambda m: m.group(0) + _JOINER, "".join(out))


def md(value: object) -> str:
    """``value`` as literal text inside Markdown: every special character escaped, line breaks kept."""
    text = _SPECIAL.sub(r"\\\1", _clean(str(value)))
    return text.replace("\t", " ").replace("\n", "  \n")


def label(value: object, limit: int = _LABEL_LIMIT) -> str:
    """``value`` as a one-line label: whitespace folded, cut to ``limit`` characters, escaped."""
    text = " ".join(_clean(str(value)).split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return _SPECIAL.sub(r"\\\1", text)


def diff_md(parts: list[tuple[str, str]]) -> str:
    """A word diff as Markdown: added words green and bold, removed words red and struck through.

    ``parts`` are (kind, text) with kind "same", "added" or "removed"; every text is escaped.
    """
    out = []
    for kind, text in parts:
        escaped = md(" ".join(text.split()))
        if escaped:
            out.append(
                {"added": f":green[**{escaped}**]", "removed": f":red[~~{escaped}~~]"}.get(kind, escaped)
            )
    return " ".join(out)
