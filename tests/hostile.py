"""Hostile text: strings that would fetch, link, run or hide something if a page rendered them.

Used as instruction, brand, perfume and campaign names, user name and model reply, in
AppTest (tests/ui/test_app.py) and in the real browser (tests/ui/test_browser.py).
``load(ctx, ...)`` puts them in a database the way imports, sign-in and edits would.
"""

from __future__ import annotations

import copy
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from editing.context import Atelier
from editing.db.models import Campaign, EditHistory
from editing.queries import brand_and_perfume

#: The host every hostile URL points to: a request to it is a failure of the page.
EVIL = "127.0.0.1:9"

CORPUS: tuple[str, ...] = (
    f"make it brighter ![pixel](http://{EVIL}/tracking.png)",
    f"![](http://{EVIL}/a.png)",
    f"[click here](http://{EVIL}/login)",
    f"[ref link][x]\n\n[x]: http://{EVIL}/ref.png",
    f"<http://{EVIL}/autolink>",
    f"plain url http://{EVIL}/bare and www.example.com",
    "mail me@example.com",
    f'<img src="http://{EVIL}/img.png" onerror="alert(1)">',
    f"<a href='http://{EVIL}/a'>link</a>",
    "<script>alert('x')</script>",
    f"<iframe src=http://{EVIL}/frame></iframe>",
    "[js](javascript:alert(1))",
    "[data](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    f"<svg onload=fetch('http://{EVIL}/svg')>",
    "&lt;img src=x onerror=alert(1)&gt; &#x3C;b&#x3E;",
    "&#106;avascript&#58;alert(1)",
    "zero\u200bwidth\u200djoin\ufeffbom",
    "bidi \u202eevil.exe\u202c \u2066isolate\u2069",
    "x" * 10_000,
    "emoji 🌹✨💐 and 👩🏽‍🎨",
    "line one\nline two\n\n# heading\n- item",
    "`code` ```fenced``` and \\`escaped",
    "**bold** _it_ ~~strike~~ ==mark==",
    ":red[red text] :material/warning: :rose:",
    "$\\frac{1}{0}$ and $$x$$",
    "| table | cell |\n|---|---|\n| a | b |",
    "> quote\n>> nested",
    "1. first\n2) second",
    "\\u202e literal backslash-u",
    f"<style>body{{background:url(http://{EVIL}/css.png)}}</style>",
    "Nuit Dorée — Maison Lumière (©) 100% «guillemets»",
    "' OR 1=1; DROP TABLE campaigns; --",
)
#: Short enough for a name column (brand, perfume, campaign, user).
NAMES = tuple(s for s in CORPUS if len(s) <= 120)


def load(ctx: Atelier, campaign_id: str, *, campaigns: int = 6) -> list[str]:
    """Hostile copies of ``campaign_id`` in two hostile brands, and one edit row per corpus string.

    Returns the new campaigns' ids. The copies share the demo's stored files, so they play.
    """
    made = []
    with ctx.db.Session.begin() as session:
        source = session.get(Campaign, uuid.UUID(campaign_id))
        assert source is not None
        for i in range(campaigns):
            brand, perfume = brand_and_perfume(NAMES[i % 2], NAMES[-1 - i], session=session)
            cj = copy.deepcopy(source.campaign_json)
            cj.update(brand_name=brand.name, perfume_name=perfume.name)
            cj["scenes"][0]["background_prompt"] = CORPUS[i]
            cj["scenes"][0]["role"] = NAMES[(i + 3) % len(NAMES)][:40]
            copy_id = uuid.uuid4()
            session.add(
                Campaign(
                    id=copy_id, brand_id=brand.id, perfume_id=perfume.id, name=NAMES[(i + 7) % len(NAMES)],
                    campaign_json=cj, selected_variation_index=0, cost=Decimal("0.5"),
                    status="failed", error_message=CORPUS[(i + 11) % len(CORPUS)], version=1,
                )
            )  # fmt: skip
            made.append(str(copy_id))
        now = datetime.now(UTC)
        for i, text in enumerate(CORPUS):
            row = EditHistory(edit_id=uuid.uuid4(), campaign_id=uuid.UUID(made[i % len(made)]), scene_index=0)
            row.timestamp, row.base_version = now - timedelta(seconds=i), 1
            row.edit_prompt, row.original_prompt = text, CORPUS[-1 - i]
            row.modified_prompt, row.changes_summary = (
                CORPUS[(i + 1) % len(CORPUS)],
                CORPUS[(i + 2) % len(CORPUS)],
            )
            row.user_name = NAMES[i % len(NAMES)]
            row.status = "failed" if i % 3 == 0 else "completed"
            row.error = CORPUS[(i + 5) % len(CORPUS)] if row.status == "failed" else None
            row.cost, row.cost_breakdown, row.duration_seconds = Decimal("0.01"), {"video": 0.01}, Decimal(1)
            row.prompt_provider, row.video_provider = "offline", "offline"
            session.add(row)
    return made


def rendered_markup(source: str) -> list[str]:
    """What a GFM renderer (with autolinks) would turn ``source`` into besides text: links, images, HTML."""
    from markdown_it import MarkdownIt

    found: list[str] = []

    def walk(tokens: list) -> None:  # type: ignore[type-arg]
        for token in tokens:
            if token.type in ("image", "link_open", "html_inline", "html_block"):
                found.append(f"{token.type}: {token.content or token.attrs}")
            walk(token.children or [])

    walk(MarkdownIt("gfm-like").parse(source))
    hidden = [ch for ch in source if ch in "\u200b\u200d\ufeff\u202e\u202c\u2066\u2069"]
    return found + [f"invisible {ord(ch):04X}" for ch in hidden]
