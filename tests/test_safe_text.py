"""The pages show untrusted text as text: an AST check over app.py and pages/, and the escaping itself.

A value interpolated into an element that renders Markdown (st.markdown, captions,
alerts, status and toast text, titles, tab/expander/widget labels) must go through
``pages._safe.md`` or ``pages._safe.label``; numbers formatted with a format spec
(``{cost:.4f}``) are fine. ``unsafe_allow_html`` is never used with anything but a
constant string.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from pages._safe import label, md

ROOT = Path(__file__).resolve().parents[1]
SOURCES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]

#: Methods whose text arguments Streamlit renders as Markdown (on st or on any container).
MARKDOWN_CALLS = {
    "markdown", "caption", "success", "error", "warning", "info", "exception", "toast", "title", "header",
    "subheader", "write", "status", "expander", "tabs", "metric", "popover", "button", "form_submit_button",
    "download_button", "link_button", "page_link", "checkbox", "toggle", "radio", "selectbox", "multiselect",
    "text_input", "text_area", "number_input", "slider", "select_slider", "date_input", "file_uploader",
    "segmented_control", "pills", "dialog", "update", "chat_message", "color_picker", "time_input",
}  # fmt: skip
#: Keyword arguments holding such text.
TEXT_KEYWORDS = {"label", "body", "help", "placeholder", "title", "text", "caption"}
SAFE_HELPERS = {"md", "label", "diff_md"}


def _is_safe(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in SAFE_HELPERS:
        return True
    if isinstance(node, ast.JoinedStr):
        return all(_is_safe_part(v) for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _is_safe(node.left) and _is_safe(node.right)
    if isinstance(node, ast.IfExp):
        return _is_safe(node.body) and _is_safe(node.orelse)
    if isinstance(node, ast.List | ast.Tuple):
        return all(_is_safe(e) for e in node.elts)
    return False


def _is_safe_part(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return True
    assert isinstance(node, ast.FormattedValue)
    # A format spec ({cost:.4f}, {n:d}, {x:.0%}) formats a number, which cannot carry Markdown.
    return node.format_spec is not None or _is_safe(node.value)


def _violations(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        name = node.func.attr
        where = f"{path.relative_to(ROOT)}:{node.lineno} {name}"
        html = next((k for k in node.keywords if k.arg == "unsafe_allow_html"), None)
        off = html is None or (isinstance(html.value, ast.Constant) and html.value.value is False)
        enabled = not off
        if enabled and not all(isinstance(a, ast.Constant) for a in node.args):
            found.append(f"{where}: unsafe_allow_html with variable content")
        if name not in MARKDOWN_CALLS:
            continue
        texts = [*node.args[:1], *(k.value for k in node.keywords if k.arg in TEXT_KEYWORDS)]
        if name == "update":  # st.status(...).update(label=...) only
            texts = [k.value for k in node.keywords if k.arg == "label"]
        found += [f"{where}: {ast.unparse(t)[:80]}" for t in texts if not _is_safe(t)]
    return found


def test_pages_escape_every_interpolated_value() -> None:
    problems = [v for path in SOURCES for v in _violations(path)]
    assert problems == [], "wrap these in md()/label() from pages/_safe.py:\n" + "\n".join(problems)


def test_the_check_catches_what_it_should(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text(
        "import streamlit as st\n"
        "st.markdown(f'**{name}**')\n"
        "st.error(str(exc))\n"
        "box.caption(prompt)\n"
        "st.expander(title)\n"
        "s.update(label=f'{ev.label}…')\n"
        "st.markdown(f'<b>{x}</b>', unsafe_allow_html=True)\n"
        "st.tabs([name, 'Other'])\n"
    )
    good = tmp_path / "good.py"
    good.write_text(
        "st.markdown(f'**{md(name)}** costs ${cost:.4f}')\nst.error(md(exc))\nst.caption('constant')\n"
        "s.update(label=label(x))\nst.markdown('<hr>', unsafe_allow_html=True)\nst.tabs([label(n), 'B'])\n"
    )
    bad_rel = ROOT / "tests" / f"_tmp_bad_{bad.stat().st_ino}.py"
    good_rel = ROOT / "tests" / f"_tmp_good_{good.stat().st_ino}.py"
    try:
        bad_rel.write_text(bad.read_text())
        good_rel.write_text(good.read_text())
        assert len(_violations(bad_rel)) == 8
        assert _violations(good_rel) == []
    finally:
        bad_rel.unlink(missing_ok=True)
        good_rel.unlink(missing_ok=True)


@pytest.mark.parametrize(
    "raw",
    [
        "![pixel](http://127.0.0.1:9/tracking.png)",
        "[click](javascript:alert(1))",
        "<img src=x onerror=alert(1)>",
        "<http://example.com>",
        "see https://example.com/a_b",
        "www.example.com",
        "mail me@example.com",
        ":red[alert] :material/warning: :smile:",
        "$x^2$",
        "# heading",
        "`code` **bold** _it_ ~~gone~~",
        "&lt;script&gt; &#x3C;",
        "[ref]: http://evil/x",
    ],
)
def test_md_leaves_no_construct_unescaped(raw: str) -> None:
    out = md(raw)
    assert not re.search(r"(?i)(https?|ftp|mailto)\\?:|www\\?\.|@\w", out), (
        "an autolink pattern is left whole"
    )
    for i, ch in enumerate(out):
        if ch in "[]()<>!:`*_$#&@~":
            assert out[i - 1] == "\\", f"{ch!r} unescaped at {i} in {out!r}"


def _shown(markdown: str) -> str:
    """What a reader sees: the backslash escapes resolved."""
    return re.sub(r"\\(.)", r"\1", markdown).replace("\u2060", "")


def test_invisible_characters_are_named_and_labels_are_one_short_line() -> None:
    assert _shown(md("a\u202eb\u200bc")) == "a[U+202E]b[U+200B]c"
    assert md("line one\nline two") == "line one  \nline two"
    assert label("  two\nlines ") == "two lines"
    assert _shown(md("![x](http://h/y.png) <b>&amp;")) == "![x](http://h/y.png) <b>&amp;"
    long = label("x" * 10_000)
    assert len(long) == 120 and long.endswith("…")
    assert label("a.b") == "a\\.b"
