"""Alembic owns the schema: upgrade from empty, downgrade, and the expected indexes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from editing.db.engine import MIGRATIONS_DIR, migrate


@pytest.fixture
def empty_db(pg_admin_url: str) -> Iterator[str]:
    name = f"atelier_empty_{uuid.uuid4().hex[:8]}"
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    yield make_url(pg_admin_url).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_then_downgrade(empty_db: str) -> None:
    engine = create_engine(empty_db)
    migrate(engine)
    migrate(engine)  # idempotent
    insp = inspect(engine)
    assert {"brands", "perfumes", "campaigns", "edit_history", "stored_files", "procrastinate_jobs",
            "procrastinate_workers"} <= set(insp.get_table_names())  # fmt: skip
    indexes = {i["name"]: i for i in insp.get_indexes("campaigns")}
    assert "idx_campaigns_campaign_json" in indexes
    with engine.connect() as c:
        method = c.execute(text(
            "SELECT am.amname FROM pg_class i JOIN pg_am am ON am.oid = i.relam "
            "WHERE i.relname = 'idx_campaigns_campaign_json'"
        )).scalar()  # fmt: skip
    assert method == "gin"
    cols = {c["name"] for c in insp.get_columns("edit_history")}
    assert {"edit_id", "timestamp", "scene_index", "edit_prompt", "changes_summary", "cost",
            "duration_seconds",
            "original_prompt", "modified_prompt", "status", "error", "user_name", "prompt_provider",
            "video_provider", "cost_breakdown", "scene_key_before", "scene_key_after", "final_key_before",
            "final_key_after"} <= cols  # fmt: skip

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    with engine.connect() as c:  # Procrastinate's functions and types went with its tables
        left = c.execute(text("SELECT count(*) FROM pg_proc WHERE proname LIKE 'procrastinate%'")).scalar()
        types = c.execute(text("SELECT count(*) FROM pg_type WHERE typname LIKE 'procrastinate%'")).scalar()
    assert (left, types) == (0, 0)
    engine.dispose()


def test_embedded_server_lives_in_the_data_dir(ctx) -> None:  # type: ignore[no-untyped-def]
    from editing.db.engine import embedded_postgres_url, stop_embedded_postgres

    pg_dir = ctx.settings.data_dir / "pg-own"
    url = make_url(embedded_postgres_url(pg_dir))
    assert str(pg_dir) in str(url.query["host"])
    eng = create_engine(url)
    with eng.connect() as c:
        assert c.execute(text("SELECT 1")).scalar() == 1
    eng.dispose()
    stop_embedded_postgres(pg_dir)
    assert not (pg_dir / "postmaster.pid").exists()


def test_models_match_the_migrations(empty_db: str) -> None:
    """Alembic owns the schema, the models describe it: autogenerate finds nothing to do."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from editing.db.models import Base, include_name

    engine = create_engine(empty_db)
    migrate(engine)
    with engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"include_name": include_name}), Base.metadata
        )
    engine.dispose()
    assert diff == []


def test_timestamps_are_utc_whatever_the_server_timezone(ctx, demo) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from editing import campaigns
    from editing.pipeline import edit_scene

    with ctx.db.engine.begin() as c:
        name = c.execute(text("SELECT current_database()")).scalar()
        c.execute(text(f"ALTER DATABASE \"{name}\" SET timezone TO 'America/New_York'"))
    ctx.db.engine.dispose()  # new connections pick up the setting
    edit_scene(ctx, demo, 0, "make it brighter", method="regenerate")
    [rec] = campaigns.get_history(ctx, demo)
    stamp = datetime.fromisoformat(rec.timestamp.replace("Z", "+00:00"))
    assert abs((datetime.now(UTC) - stamp).total_seconds()) < 120
    from editing.db.models import Campaign

    with ctx.db.Session() as s:  # server-side now() and the ORM's onupdate agree, in UTC
        c = s.get(Campaign, campaigns.parse_campaign_id(demo))
        assert c is not None
        for value in (c.created_at, c.updated_at):
            assert abs((datetime.now(UTC) - value).total_seconds()) < 120


def test_versions_are_back_filled_from_the_edit_history(empty_db: str) -> None:
    """Migration 0003 on a database that has campaigns and edits: version 1 and one per edit."""
    engine = create_engine(empty_db)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
        conn.execute(text(
            "INSERT INTO brands (id, name) VALUES ('00000000-0000-0000-0000-00000000000b', 'B');"
            "INSERT INTO perfumes (id, brand_id, name) VALUES ('00000000-0000-0000-0000-00000000000f',"
            " '00000000-0000-0000-0000-00000000000b', 'P');"
            "INSERT INTO campaigns (id, brand_id, perfume_id, name, campaign_json) VALUES"
            " ('00000000-0000-0000-0000-00000000000c', '00000000-0000-0000-0000-00000000000b',"
            " '00000000-0000-0000-0000-00000000000f', 'C', '{\"selected_variation_index\": 0,"
            " \"final_video_key\": \"f3.mp4\", \"scenes\": [{\"video_key\": \"s1b.mp4\", \"duration\": 4,"
            " \"background_prompt\": \"p1b\"}, {\"video_key\": \"s2.mp4\", \"duration\": 3,"
            " \"background_prompt\": \"p2\"}]}');"
        ))  # fmt: skip
        edits = (("s1.mp4", "s1a.mp4", "f1.mp4", "f2.mp4"), ("s1a.mp4", "s1b.mp4", "f2.mp4", "f3.mp4"))
        for n, (before, after, fb, fa) in enumerate(edits):
            conn.execute(text(
                "INSERT INTO edit_history (edit_id, campaign_id, timestamp, scene_index, edit_prompt,"
                " original_prompt, modified_prompt, status, user_name, base_version, scene_key_before,"
                " scene_key_after, final_key_before, final_key_after, cost) VALUES (gen_random_uuid(),"
                " '00000000-0000-0000-0000-00000000000c', now() + make_interval(secs => :n), 0, 'e',"
                " :op, :mp, 'completed', 'ann', 1, :b, :a, :fb, :fa, 0.5)"
            ), {"n": n, "op": f"p1{'ab'[n - 1] if n else ''}", "mp": f"p1{'ab'[n]}", "b": before, "a": after,
                "fb": fb, "fa": fa})  # fmt: skip
        command.upgrade(cfg, "head")
        scenes = conn.execute(text(
            "SELECT scene_index, version, video_key, method, prompt, thumbnail_key FROM scene_versions"
            " ORDER BY scene_index, version"
        )).all()  # fmt: skip
        finals = conn.execute(text("SELECT version, video_key FROM final_versions ORDER BY version")).all()
    engine.dispose()
    assert [(s.scene_index, s.version, s.video_key, s.method) for s in scenes] == [
        (0, 1, "s1.mp4", "original"), (0, 2, "s1a.mp4", "regenerate"), (0, 3, "s1b.mp4", "regenerate"),
        (1, 1, "s2.mp4", "original"),
    ]  # fmt: skip
    assert (
        scenes[0].prompt == "p1" and scenes[2].prompt == "p1b" and scenes[0].thumbnail_key == "s1_thumb.jpg"
    )
    assert [(f.version, f.video_key) for f in finals] == [(1, "f1.mp4"), (2, "f2.mp4"), (3, "f3.mp4")]
