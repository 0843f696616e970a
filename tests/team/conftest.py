"""A two-brand install with a team: users and roles written as the Admin page would."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from editing.access import Access, access_for
from editing.config import load_settings
from editing.context import Atelier
from editing.db.models import Brand, Membership, User
from editing.demo import create_demo_campaign
from tests.conftest import FAST_ENV, fresh_database
from tests.fakes.replicate_server import FakeReplicate, make_tiny_mp4


def add_member(
    ctx: Atelier, email: str, brand: str | None, role: str | None, *, admin: bool = False
) -> Access:
    with ctx.db.Session.begin() as session:
        if session.get(User, email) is None:
            session.add(User(email=email, name=email.split("@")[0], is_admin=admin))
            session.flush()
        if brand is not None and role is not None:
            brand_id = session.scalar(select(Brand.id).where(Brand.name == brand))
            session.add(Membership(email=email, brand_id=brand_id, role=role, created_by="test"))
    return access_for(ctx, email)


@pytest.fixture(scope="module")
def replicate() -> Iterator[FakeReplicate]:
    with FakeReplicate(video=make_tiny_mp4(seconds=2.0, size=(144, 256), fps=24)) as fake:
        yield fake


@pytest.fixture(scope="module")
def team_world(
    pg_admin_url: str, template_db: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Any]]:
    """Brands Maison A (8 one-second scenes) and Maison B, built once per module into a
    database each test clones (their files are never changed: jobs stay queued)."""
    data = tmp_path_factory.mktemp("team-data")
    with fresh_database(pg_admin_url, template_db) as url:
        env = {"ATELIER_DATA_DIR": str(data), "ATELIER_USER": "tester", **FAST_ENV}
        offline = Atelier.open(load_settings(env={**env, "DATABASE_URL": url}))
        try:
            a = create_demo_campaign(offline, scenes=8, scene_duration=1.0, brand="Maison A", name="Spring A")
            b = create_demo_campaign(offline, scenes=2, scene_duration=1.0, brand="Maison B", name="Secret B")
        finally:
            offline.close()
        name = make_url(url).database
        yield {"env": env, "template": name, "a": str(a), "b": str(b)}


@pytest.fixture
def team(pg_admin_url: str, team_world: dict[str, Any], replicate: FakeReplicate) -> Iterator[dict[str, Any]]:
    """A clone of the team world; a paid video generator (the fake Replicate: $0.072 a
    regeneration of a 1 s scene) and no worker (accepted jobs stay queued)."""
    with fresh_database(pg_admin_url, team_world["template"]) as url:
        env = {
            **team_world["env"],
            "DATABASE_URL": url,
            "REPLICATE_API_TOKEN": replicate.api_token or "",
            "REPLICATE_BASE_URL": replicate.base_url,
            "TRUSTED_MEDIA_HOSTS": replicate.host,
            "ATELIER_WORKERS": "external",
        }
        ctx = Atelier.open(load_settings(env=env))
        replicate.requests.clear()
        try:
            yield {"ctx": ctx, "a": team_world["a"], "b": team_world["b"], "env": env}
        finally:
            ctx.close()
