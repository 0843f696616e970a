"""The cost review dashboard at scale: 1,000,000 edit rows, the Costs, History and Audit reads and pages.

Seeds a year of edits (8 brands, 400 campaigns, 64 users; regenerations, quick adjusts, reverts,
uploads; 8 % failed), 100,000 previews, 20,000 audit-log entries and a budget per brand, on an
embedded PostgreSQL in a temporary directory, then prints one JSON line:
  rows                  edit rows, previews, audit entries; spend_rollup rows (days and months)
  seed_s                inserting them (triggers off) and rebuilding the rollups from scratch
  query_ms              every dashboard query, the median of 5 warm runs, for every brand (all)
                        and for one brand (goal: each under 150)
  query_ms_max          the slowest of them
  page_ms               a Costs, History and Audit rerun through AppTest: a widget click with
                        warm caches (rerun), after a filter change (filter), after a new edit
                        committed (new_edit: every cached read is stale and re-sent)
                        (goal: each under 300)
  write_ms              one edit accepted then finished (two commits), median of 200, with the
                        rollup triggers and without them: what keeping the rollups costs an edit

Usage: python bench/dashboard.py [--edits 1000000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from editing import campaigns, spend  # noqa: E402
from editing.config import load_settings  # noqa: E402
from editing.context import Atelier  # noqa: E402
from editing.db.engine import stop_embedded_postgres  # noqa: E402

BRANDS, CAMPAIGNS_PER_BRAND, USERS_PER_BRAND = 8, 50, 8
ROLES = ("hook", "showcase", "lifestyle", "detail", "cta")

SEED_BRANDS = """
INSERT INTO brands (id, name) SELECT gen_random_uuid(), 'Maison ' || b FROM generate_series(1, :brands) b;
INSERT INTO perfumes (id, brand_id, name) SELECT gen_random_uuid(), id, 'Eau ' || name FROM brands;
INSERT INTO campaigns (id, brand_id, perfume_id, name, campaign_json, created_at, updated_at)
SELECT gen_random_uuid(), p.brand_id, p.id, 'Campaign ' || p.name || ' #' || c,
       jsonb_build_object('scenes', (SELECT jsonb_agg(jsonb_build_object('role', r, 'prompt', 'a bottle'))
                                     FROM unnest(ARRAY['hook','showcase','lifestyle','detail','cta']) r)),
       now() - interval '400 days' + c * interval '1 day', now()
FROM perfumes p, generate_series(1, :campaigns) c;
"""
#: Every campaign's id, brand and brand as an e-mail domain, in arrays a row picks from by index.
CAMPAIGNS = """cs AS (
    SELECT array_agg(c.id ORDER BY c.brand_id, c.id) ids,
           array_agg(c.brand_id ORDER BY c.brand_id, c.id) bids,
           array_agg(replace(lower(b.name), ' ', '') ORDER BY c.brand_id, c.id) houses
    FROM campaigns c JOIN brands b ON b.id = c.brand_id
)"""
# One row per edit, appended in time order as edits are; method, status, providers, costs and durations
# drawn as a marketing team's year would: regenerations cost a prompt rewrite and a video, quick
# adjusts only the rewrite.
SEED_EDITS = f"""
WITH {CAMPAIGNS},
x AS (
    SELECT g, 1 + floor(random() * :ncampaigns)::int k, floor(random() * 5)::int s,
           CASE WHEN m < 0.45 THEN 'regenerate' WHEN m < 0.85 THEN 'adjust' WHEN m < 0.95 THEN 'revert'
                ELSE 'upload' END method,
           CASE WHEN random() < 0.92 THEN 'completed' ELSE 'failed' END status,
           now() - random() * interval '365 days' ts, floor(random() * :users)::int u,
           random() < 0.7 openai, random() < 0.8 replicate, random() d
    FROM (SELECT g, random() m FROM generate_series(1, :edits) g) m
),
y AS (
    SELECT x.*, cs.ids[k] cid, cs.bids[k] bid, cs.houses[k] house,
           CASE WHEN method IN ('regenerate', 'adjust') THEN CASE WHEN openai THEN 0.0004 ELSE 0 END
           END prompt,
           CASE WHEN method = 'regenerate' THEN CASE WHEN replicate THEN 0.144 ELSE 0 END END video
    FROM x, cs
)
INSERT INTO edit_history (edit_id, campaign_id, brand_id, "timestamp", scene_index, scene_role, edit_prompt,
    original_prompt, modified_prompt, changes_summary, cost, cost_breakdown, duration_seconds, status,
    user_name, prompt_provider, video_provider, base_version, method, variation, attempts, reserved,
    regenerate_cost, started_at, finished_at, error)
SELECT gen_random_uuid(), cid, bid, ts, s, (ARRAY['hook','showcase','lifestyle','detail','cta'])[s + 1],
       'make it warmer, slow dolly in, golden hour ' || g,
       'A crystal perfume bottle on white marble, soft morning light, petals ' || md5(g::text),
       'A crystal perfume bottle on white marble, warm golden-hour light, slow dolly in ' || md5(g::text),
       'Warmer light and a slow dolly in',
       CASE WHEN status = 'failed' AND video IS NOT NULL THEN coalesce(prompt, 0)
            ELSE coalesce(prompt, 0) + coalesce(video, 0) END,
       jsonb_strip_nulls(jsonb_build_object('prompt', prompt,
           'video', CASE WHEN status = 'failed' THEN NULL ELSE video END)),
       CASE method WHEN 'regenerate' THEN 60 + d * 240 WHEN 'adjust' THEN 1 + d * 2 ELSE 0.2 + d END,
       status, 'editor' || u || '@' || house || '.example',
       CASE WHEN prompt IS NULL THEN NULL WHEN openai THEN 'openai' ELSE 'offline' END,
       CASE method WHEN 'regenerate' THEN CASE WHEN replicate THEN 'replicate' ELSE 'offline' END
                   WHEN 'adjust' THEN 'ffmpeg' END,
       1, method, 0, 1, 0,
       CASE WHEN method = 'adjust' THEN 0.1444 END, ts, ts + interval '2 minutes',
       CASE WHEN status = 'failed' THEN 'the video model timed out' END
FROM y ORDER BY ts;
"""
SEED_PREVIEWS = f"""
WITH {CAMPAIGNS},
x AS (SELECT g, 1 + floor(random() * :ncampaigns)::int k FROM generate_series(1, :previews) g)
INSERT INTO previews (id, campaign_id, brand_id, variation, scene_index, scene_role, instruction,
    original_prompt, modified_prompt, changes_summary, prompt_provider, cost, user_name, created_at)
SELECT gen_random_uuid(), cs.ids[k], cs.bids[k], 0, g % 5,
       (ARRAY['hook','showcase','lifestyle','detail','cta'])[g % 5 + 1],
       'brighter ' || g, 'a bottle', 'a brighter bottle', 'Brighter', 'openai', 0.0004,
       'editor' || (g % :users) || '@' || cs.houses[k] || '.example',
       ts
FROM (SELECT x.*, now() - random() * interval '365 days' ts FROM x) x, cs ORDER BY ts;
"""
SEED_AUDIT = """
INSERT INTO audit_log (at, actor, action, brand_id, target, details)
SELECT now() - random() * interval '365 days', 'manager' || (g % 4) || '@maison.example',
       (ARRAY['budget.set', 'approval.approve', 'approval.reject', 'role.grant'])[(g / :brands) % 4 + 1],
       b.id, b.id::text, jsonb_build_object('usd', 50 + g % 100)
FROM generate_series(1, :audit) g JOIN LATERAL (SELECT id FROM brands OFFSET g % :brands LIMIT 1) b ON true;
INSERT INTO budgets (id, brand_id, period, limit_usd, updated_by)
SELECT gen_random_uuid(), id, 'monthly', 2000, 'manager0@maison.example' FROM brands;
INSERT INTO budgets (id, brand_id, campaign_id, period, limit_usd, updated_by)
SELECT gen_random_uuid(), brand_id, id, 'total', 500, 'manager0@maison.example' FROM campaigns
ORDER BY created_at LIMIT 10;
"""


def seed(ctx: Atelier, edits: int, previews: int, audit: int) -> float:
    """Bulk rows with the triggers off (as a restore would), then the rollups rebuilt from them."""
    params = {"brands": BRANDS, "campaigns": CAMPAIGNS_PER_BRAND, "ncampaigns": BRANDS * CAMPAIGNS_PER_BRAND,
              "users": USERS_PER_BRAND, "edits": edits,
              "previews": previews, "audit": audit}  # fmt: skip
    started = time.perf_counter()
    with ctx.db.engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        for sql in (SEED_BRANDS, SEED_EDITS, SEED_PREVIEWS, SEED_AUDIT):
            for statement in filter(str.strip, sql.split(";\n")):
                conn.execute(text(statement), params)
        conn.execute(text("SELECT spend_rebuild()"))
    with ctx.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))
    return time.perf_counter() - started


def _median_ms(fn: Callable[[], Any], runs: int = 5) -> float:
    fn()  # warm
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return round(statistics.median(times), 1)


def queries(ctx: Atelier, brand: str | None) -> dict[str, Callable[[], Any]]:
    """Every read the Costs, History and Audit pages and `costs`/`audit` make, for one scope."""
    last30 = spend.Period.last_days(30, spend.today())
    whole = spend.ALL_TIME
    with ctx.db.engine.connect() as conn:
        cid = conn.execute(text("SELECT id FROM campaigns ORDER BY created_at LIMIT 1")).scalar_one()
        user = conn.execute(text("SELECT user_name FROM edit_history LIMIT 1")).scalar_one()
    out: dict[str, Callable[[], Any]] = {
        "data_version": lambda: spend.data_version(ctx),
        "kpis": lambda: spend.kpis(ctx, brand=brand),
        "kpis_30d": lambda: spend.kpis(ctx, brand=brand, period=last30),
        "burn_down": lambda: spend.burn_down(ctx, brand=brand),
        "most_expensive": lambda: spend.most_expensive(ctx, brand=brand, limit=50),
        "most_expensive_30d": lambda: spend.most_expensive(ctx, brand=brand, period=last30, limit=50),
        "history_500": lambda: campaigns.history_rows(ctx, brand=brand, limit=500),
        "count_edits": lambda: campaigns.count_edits(ctx, brand=brand),
        "cost_summary": lambda: campaigns.cost_summary(ctx, brand=brand),
        "audit_1000": lambda: spend.audit(ctx, brand=brand, limit=1000),
        "audit_actor": lambda: spend.audit(ctx, brand=brand, actor=user, limit=1000),
        "audit_budget_set": lambda: spend.audit(ctx, brand=brand, action="budget.set", limit=1000),
        "audit_reverts_30d": lambda: spend.audit(
            ctx, brand=brand, action="revert", period=last30, limit=1000
        ),
        "audit_filters": lambda: (
            spend.audit_actors(ctx, brand=brand),
            spend.audit_actions(ctx, brand=brand),
        ),
    }
    for d in spend.Dimension:
        out[f"by_{d.value}"] = lambda d=d: spend.breakdown(ctx, d, brand=brand, period=whole)
    out["by_campaign_30d"] = lambda: spend.breakdown(
        ctx, spend.Dimension.CAMPAIGN, brand=brand, period=last30
    )
    drills = {"campaign": str(cid), "user": user, "day": str(spend.today() - timedelta(days=3)),
              "method": "adjust", "status": "failed", "scene_role": "cta", "step": "video",
              "prompt_provider": "offline", "video_provider": "replicate"}  # fmt: skip
    for dim, key in drills.items():
        out[f"drill_{dim}"] = lambda dim=dim, key=key: spend.drill_down(
            ctx, spend.Dimension(dim), key, brand=brand, period=whole
        )
    return out


def write_ms(ctx: Atelier, runs: int = 200) -> dict[str, float]:
    """One edit accepted (queued) then finished (completed, with its cost), each its own commit."""
    with ctx.db.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, brand_id FROM campaigns ORDER BY created_at LIMIT :n"), {"n": runs}
        )
        campaigns_ = list(rows)
    insert = text(
        'INSERT INTO edit_history (edit_id, campaign_id, brand_id, "timestamp", scene_index, edit_prompt,'
        " original_prompt, status, user_name, base_version, method, reserved)"
        " VALUES (:id, :cid, :bid, now(), 0, 'warmer', 'a bottle', 'queued', 'bench@maison.example', 1,"
        " 'regenerate', 0.1444)"
    )
    finish = text(
        "UPDATE edit_history SET status = 'completed', cost = 0.1444, reserved = 0, duration_seconds = 150,"
        " cost_breakdown = '{\"prompt\": 0.0004, \"video\": 0.144}', prompt_provider = 'openai',"
        " video_provider = 'replicate' WHERE edit_id = :id"
    )
    out = {}
    for label, role in (("with_rollups", "origin"), ("without", "replica")):
        times = []
        for cid, bid in campaigns_:
            edit_id = uuid.uuid4()
            t0 = time.perf_counter()
            for stmt in (insert, finish):
                with ctx.db.engine.begin() as conn:
                    conn.execute(text(f"SET LOCAL session_replication_role = {role}"))
                    conn.execute(stmt, {"id": edit_id, "cid": cid, "bid": bid})
            times.append((time.perf_counter() - t0) * 1000)
        out[label] = round(statistics.median(times), 2)
    with ctx.db.engine.begin() as conn:  # the rows written without triggers: out of the rollups again
        conn.execute(text("DELETE FROM edit_history WHERE user_name = 'bench@maison.example'"))
        conn.execute(text("SELECT spend_rebuild()"))
    return out


def pages(ctx: Atelier, brand: str) -> dict[str, float]:
    """Page runs through AppTest on the seeded database (os.environ points the app at it)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.session_state["brand"] = brand

    def timed(run: Callable[[], Any]) -> float:
        t0 = time.perf_counter()
        run()
        assert not at.exception, at.exception
        return round((time.perf_counter() - t0) * 1000, 1)

    def new_edit() -> None:
        with ctx.db.engine.begin() as conn:
            newest = 'SELECT edit_id FROM edit_history ORDER BY "timestamp" DESC LIMIT 1'
            conn.execute(text(f"UPDATE edit_history SET cost = cost + 0.000001 WHERE edit_id = ({newest})"))

    out: dict[str, float] = {}
    for page, change in (
        ("costs", lambda: at.selectbox(key="costs_dimension").select("user").run()),
        ("history", lambda: at.multiselect[0].unselect(at.multiselect[0].value[0]).run()),
        ("audit", lambda: at.selectbox(key="audit_action").select("budget.set").run()),
    ):
        out[f"{page}_first"] = timed(lambda page=page: at.switch_page(f"pages/{page}.py").run())
        out[f"{page}_rerun"] = statistics.median(timed(at.run) for _ in range(5))
        out[f"{page}_filter"] = timed(change)
        new_edit()
        out[f"{page}_new_edit"] = timed(at.run)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--edits", type=int, default=1_000_000)
    args = ap.parse_args()
    previews, audit = args.edits // 10, args.edits // 50
    with tempfile.TemporaryDirectory(prefix="atelier-bench-") as tmp:
        os.environ.update({"ATELIER_DATA_DIR": tmp, "ATELIER_WORKERS": "external"})
        settings = load_settings()
        ctx = Atelier.open(settings)
        try:
            seed_s = seed(ctx, args.edits, previews, audit)
            with ctx.db.engine.connect() as conn:
                rollup_rows = conn.execute(text("SELECT count(*) FROM spend_rollup")).scalar_one()
            timings: dict[str, float] = {}
            for scope in (None, "Maison 3"):
                for name, fn in queries(ctx, scope).items():
                    timings[f"{name}@{scope or 'all'}"] = _median_ms(fn)
            writes = write_ms(ctx)
            page = pages(ctx, "Maison 3")
        finally:
            ctx.close()
            stop_embedded_postgres(settings.pg_dir)
    slowest = max(timings, key=timings.__getitem__)
    print(json.dumps({
        "bench": "dashboard",
        "rows": {"edits": args.edits, "previews": previews, "audit": audit, "spend_rollup": rollup_rows},
        "seed_s": round(seed_s, 1),
        "query_ms_max": timings[slowest],
        "query_ms_slowest": slowest,
        "page_ms": page,
        "write_ms": writes,
        "query_ms": timings,
    }))  # fmt: skip


if __name__ == "__main__":
    main()
