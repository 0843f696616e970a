"""Shared fixtures: a real PostgreSQL (embedded, or the server at DATABASE_URL), a fresh
database per test cloned from a migrated template, and an offline Atelier context.

Nothing here mocks our own code; nothing reaches the network.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from editing.config import ENV_FIELDS, Settings, load_settings
from editing.context import Atelier
from editing.db.engine import embedded_postgres_url, migrate, stop_embedded_postgres

# Small format for speed; tests that check the real format override it.
FAST_ENV = {"ATELIER_VIDEO_WIDTH": "360", "ATELIER_VIDEO_HEIGHT": "640", "ATELIER_VIDEO_FPS": "12"}


def _admin_url(tmp_root: Path) -> str:
    env_url = os.environ.get("DATABASE_URL")
    if env_url:
        url = make_url(env_url)
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        return url.set(database="postgres").render_as_string(hide_password=False)
    return embedded_postgres_url(tmp_root / "pg", database="postgres")


@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """A PostgreSQL server for the whole run (connection URL to its 'postgres' database).

    Its data dir is outside pytest's tmp_path tree, which pytest prunes (and which
    concurrent pytest runs on the same machine may remove under our feet).
    """
    root = Path(tempfile.mkdtemp(prefix="atelier-test-pg-"))
    yield _admin_url(root)
    stop_embedded_postgres(root / "pg")
    shutil.rmtree(root, ignore_errors=True)


def _execute(admin_url: str, sql: str) -> None:
    eng = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with eng.connect() as conn:
            conn.execute(text(sql))
    finally:
        eng.dispose()


@pytest.fixture(scope="session")
def template_db(pg_admin_url: str) -> Iterator[str]:
    """A database migrated to head once; each test clones it (CREATE DATABASE ... TEMPLATE)."""
    name = f"atelier_tpl_{uuid.uuid4().hex[:8]}"
    _execute(pg_admin_url, f'CREATE DATABASE "{name}"')
    url = make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False)
    eng = create_engine(url)
    migrate(eng)
    eng.dispose()
    yield name
    _execute(pg_admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def fresh_database(admin_url: str, template: str) -> Iterator[str]:
    """A fresh, migrated database cloned from the template, dropped afterwards."""
    name = f"atelier_t_{uuid.uuid4().hex[:10]}"
    _execute(admin_url, f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        _execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def database_url(pg_admin_url: str, template_db: str) -> Iterator[str]:
    """A fresh, migrated database for one test, dropped afterwards."""
    with fresh_database(pg_admin_url, template_db) as url:
        yield url


@pytest.fixture
def make_settings(tmp_path: Path, database_url: str) -> Any:
    """Build Settings for a test: offline providers, local storage in tmp_path, fresh database.

    Keyword arguments are environment variable names (e.g. S3_BUCKET_NAME="b").
    The process environment is ignored so a developer's real keys never leak in.
    """

    def build(fast: bool = True, **env: str) -> Settings:
        values = {
            "ATELIER_DATA_DIR": str(tmp_path / "data"),
            "DATABASE_URL": database_url,
            "ATELIER_USER": "tester",
            **(FAST_ENV if fast else {}),
            **env,
        }
        return load_settings(env=values)

    return build


def point_env(monkeypatch: pytest.MonkeyPatch, data_dir: Path | str, database_url: str) -> dict[str, str]:
    """This process's environment on a test's data dir and database, offline (no provider
    setting of the developer's leaks in): for the app under AppTest and the CLI run in-process."""
    for var in ENV_FIELDS:
        monkeypatch.delenv(var, raising=False)
    env = {**FAST_ENV, "ATELIER_DATA_DIR": str(data_dir), "DATABASE_URL": str(database_url)}
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    return env


@pytest.fixture
def settings(make_settings: Any) -> Settings:
    return make_settings()


@pytest.fixture
def ctx(settings: Settings) -> Iterator[Atelier]:
    atelier = Atelier.open(settings)
    yield atelier
    atelier.close()


@pytest.fixture
def demo(ctx: Atelier) -> str:
    """A small demo campaign (3 scenes of 1 s) in the test's database."""
    from editing.demo import create_demo_campaign

    return str(create_demo_campaign(ctx, scenes=3, scene_duration=1.0))


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Clips of several formats, music and a final, made once with ffmpeg (tests/seed_campaigns.py)."""
    from tests.seed_campaigns import make_clips

    return make_clips(tmp_path_factory.mktemp("clips"))
