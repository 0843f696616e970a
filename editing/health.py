"""Which providers are active and whether each answers (the settings page and `check`)."""

from __future__ import annotations

import time
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.engine import make_url

from editing.context import Atelier
from editing.domain import HealthCheck
from editing.errors import AtelierError, first_line


def _probe(kind: str, provider: str, fn: Callable[[], str]) -> HealthCheck:
    t0 = time.monotonic()
    try:
        detail, ok = fn(), True
    except AtelierError as exc:
        detail, ok = str(exc), False
    except Exception as exc:  # a health check reports, it never raises
        detail, ok = f"{type(exc).__name__}: {first_line(exc)}", False
    return HealthCheck(kind, provider, ok, detail, latency_ms=round((time.monotonic() - t0) * 1000, 1))


def _database(ctx: Atelier) -> str:
    with ctx.db.engine.connect() as conn:
        version = conn.execute(text("SHOW server_version")).scalar()
    where = make_url(ctx.db.url)
    place = (
        f"socket in {where.query.get('host')}" if where.query.get("host") else f"{where.host}:{where.port}"
    )
    kind = "DATABASE_URL" if ctx.settings.database_url else "embedded"
    return f"PostgreSQL {version} ({kind}, {place}, database {where.database})"


def check_all(ctx: Atelier) -> list[HealthCheck]:
    """The database, the storage, the prompt editor and the video generator, each probed once."""
    s = ctx.settings
    return [
        _probe("database", "postgresql", lambda: _database(ctx)),
        _probe("storage", ctx.storage.name, ctx.storage.check),
        _probe("prompt editor", s.active_prompt_editor, lambda: ctx.prompt_editor().check()),
        _probe("video generator", s.active_video_generator, lambda: ctx.video_generator().check()),
    ]
