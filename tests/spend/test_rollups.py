"""The spend rollups equal the raw aggregates of edit_history and previews after every kind of write:
inserts, status changes with spend, deletes, previews, a campaign changing brand, TRUNCATE, and
concurrent writers in two sessions. The expected figures are computed here, in Python, from the
rows themselves: an oracle independent of the triggers' SQL."""

from __future__ import annotations

import math
import threading
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import delete, select, text, update

from editing import spend
from editing.context import Atelier
from editing.db.models import (
    Campaign,
    DataVersion,
    EditHistory,
    Preview,
    SpendEditTime,
    SpendRollup,
)
from tests.spend.shop import DAY, Shop

MEASURES = ("edits", "completed", "failed", "cost", "prompt_cost", "video_cost", "prompt_steps",
            "video_steps", "duration_s", "saved", "previews", "preview_cost")  # fmt: skip


def _money(value: Any) -> Decimal:
    return round(Decimal(str(value)), 6) if isinstance(value, int | float) else Decimal(0)


def _edit_measures(e: EditHistory) -> dict[str, Decimal]:
    breakdown = e.cost_breakdown or {}
    done = e.status == "completed"
    saved = (e.regenerate_cost - e.cost) if done and e.method == "adjust" and e.regenerate_cost else 0
    return {
        "edits": Decimal(1),
        "completed": Decimal(done),
        "failed": Decimal(e.status == "failed"),
        "cost": e.cost,
        "prompt_cost": _money(breakdown.get("prompt")),
        "video_cost": _money(breakdown.get("video")),
        "prompt_steps": Decimal("prompt" in breakdown),
        "video_steps": Decimal("video" in breakdown),
        "duration_s": e.duration_seconds if done else Decimal(0),
        "saved": Decimal(saved),
        "previews": Decimal(0),
        "preview_cost": Decimal(0),
    }


Key = tuple[str, str, uuid.UUID, str, date]


def expected_rollup(session: Any) -> dict[Key, dict[str, Decimal]]:
    """What spend_daily must hold, from the rows (brands read from the campaigns, not the rows)."""
    brand_of = dict(session.execute(select(Campaign.id, Campaign.brand_id)).all())
    out: dict[tuple[str, date, uuid.UUID, str], dict[str, Decimal]] = defaultdict(
        lambda: dict.fromkeys(MEASURES, Decimal(0))
    )
    for e in session.scalars(select(EditHistory)):
        slices = {"total": "", "campaign": str(e.campaign_id), "user": e.user_name, "method": e.method,
                  "prompt_provider": e.prompt_provider or "", "video_provider": e.video_provider or "",
                  "scene_role": e.scene_role or "", "status": e.status}  # fmt: skip
        for dim, value in slices.items():
            key = (dim, "day", brand_of[e.campaign_id], value, e.timestamp.astimezone(UTC).date())
            for name, v in _edit_measures(e).items():
                out[key][name] += v
    for p in session.scalars(select(Preview)):
        slices = {"total": "", "campaign": str(p.campaign_id), "user": p.user_name, "method": "preview",
                  "prompt_provider": p.prompt_provider or "", "video_provider": "",
                  "scene_role": p.scene_role or "", "status": "preview"}  # fmt: skip
        for dim, value in slices.items():
            key = (dim, "day", brand_of[p.campaign_id], value, p.created_at.astimezone(UTC).date())
            out[key]["previews"] += 1
            out[key]["preview_cost"] += p.cost
    for (dim, _, brand, value, day), measures in list(out.items()):  # each month: the sum of its days
        for name, v in measures.items():
            out[(dim, "month", brand, value, day.replace(day=1))][name] += v
    return dict(out)


def actual_rollup(session: Any) -> dict[Key, dict[str, Decimal]]:
    return {
        (r.dimension, r.grain, r.brand_id, r.value, r.day): {n: Decimal(getattr(r, n)) for n in MEASURES}
        for r in session.scalars(select(SpendRollup))
    }


def assert_rollups_exact(ctx: Atelier) -> None:
    with ctx.db.Session() as s:
        expected, actual = expected_rollup(s), actual_rollup(s)
        assert actual == expected
        durations = sorted(
            float(d)
            for d in s.scalars(select(EditHistory.duration_seconds).where(EditHistory.status == "completed"))
        )
        days = sum(s.scalars(select(SpendEditTime.edits).where(SpendEditTime.grain == "day")))
        months = sum(s.scalars(select(SpendEditTime.edits).where(SpendEditTime.grain == "month")))
    assert days == months == len(durations)


def test_rollups_follow_inserts_updates_and_deletes(ctx: Atelier, shop: Shop) -> None:
    assert_rollups_exact(ctx)  # empty
    paid = {"prompt": 0.0012, "video": 0.144}
    shop.edit("Spring", cost=Decimal("0.1452"), cost_breakdown=paid, prompt_provider="openai",
              video_provider="replicate", duration_seconds=Decimal("152.4"))  # fmt: skip
    shop.edit("Spring", method="adjust", regenerate_cost=Decimal("0.1452"), scene_index=1)
    next_day = DAY + timedelta(hours=1)  # the next UTC day
    shop.edit("Noir", user_name="zoe", timestamp=next_day, status="failed", cost=Decimal("0.0012"),
              cost_breakdown={"prompt": 0.0012})  # fmt: skip
    assert_rollups_exact(ctx)

    late = shop.edit("Spring", timestamp=datetime(2026, 10, 31, 23, 59, tzinfo=UTC), cost=Decimal("0.2"))
    assert_rollups_exact(ctx)
    shop.update(late, timestamp=DAY)  # its spend moves to another day and another month
    assert_rollups_exact(ctx)

    running = shop.edit("Winter", status="running", duration_seconds=Decimal(0), scene_index=1)
    assert_rollups_exact(ctx)
    shop.update(running, status="completed", cost=Decimal("0.288"), video_provider="replicate",
                cost_breakdown={"prompt": 0.0, "video": 0.288},
                duration_seconds=Decimal("300.25"))  # fmt: skip
    assert_rollups_exact(ctx)
    failing = shop.edit("Winter", status="running", scene_index=0, user_name="bob")
    shop.update(failing, status="failed", cost=Decimal("0.0721"), cost_breakdown={"video": 0.0721})
    shop.update(failing, edit_prompt="progress-free text change")  # no spend moves, the version does
    assert_rollups_exact(ctx)

    with ctx.db.Session.begin() as s:  # a refused edit removed (ledger.discard)
        s.execute(delete(EditHistory).where(EditHistory.edit_id == failing))
    assert_rollups_exact(ctx)
    shop.preview("Spring")
    used = shop.preview("Noir", cost=Decimal("0.0009"), scene_index=5)  # no such scene: no role
    with ctx.db.Session.begin() as s:
        s.execute(update(Preview).where(Preview.id == used).values(cost=Decimal("0.0010")))
    assert_rollups_exact(ctx)
    with ctx.db.Session.begin() as s:  # a campaign deleted takes its rows and their spend
        s.execute(delete(Campaign).where(Campaign.id == shop.campaigns["Winter"]))
    assert_rollups_exact(ctx)
    with ctx.db.Session() as s:
        slices = {(r.dimension, r.value) for r in s.scalars(select(SpendRollup))}
    assert ("campaign", str(shop.campaigns["Winter"])) not in slices  # no zero rows left behind


def test_rows_carry_their_brand_and_role_whatever_the_writer_says(ctx: Atelier, shop: Shop) -> None:
    wrong = uuid.uuid4()
    edit = shop.edit("Winter", scene_index=1, brand_id=wrong)
    preview = shop.preview("Spring", scene_index=2)
    with ctx.db.Session() as s:
        e, p = s.get(EditHistory, edit), s.get(Preview, preview)
        winter, spring = s.get(Campaign, shop.campaigns["Winter"]), s.get(Campaign, shop.campaigns["Spring"])
        assert e is not None and p is not None and winter is not None and spring is not None
        assert (e.brand_id, e.scene_role) == (winter.brand_id, "lifestyle")
        assert (p.brand_id, p.scene_role) == (spring.brand_id, "cta")
        spring.campaign_json = {
            **spring.campaign_json,
            "variations": [{"scenes": []}, {"scenes": [{"role": "teaser"}]}],
        }
        s.commit()
    music = shop.edit("Spring", method="music", scene_index=-1)  # the campaign's, not the last scene's
    teaser = shop.preview("Spring", scene_index=0, variation=1)  # its variation's role
    with ctx.db.Session() as s:
        assert s.get(EditHistory, music).scene_role is None  # type: ignore[union-attr]
        assert s.get(Preview, teaser).scene_role == "teaser"  # type: ignore[union-attr]
    assert [a.target for a in spend.audit(ctx, action="music")] == ["the music"]


def test_a_campaign_moved_to_another_brand_takes_its_spend(ctx: Atelier, shop: Shop) -> None:
    shop.edit("Spring", cost=Decimal("0.5"))
    shop.preview("Spring")
    with ctx.db.Session.begin() as s:
        other = s.get(Campaign, shop.campaigns["Noir"])
        assert other is not None
        s.execute(
            update(Campaign).where(Campaign.id == shop.campaigns["Spring"]).values(brand_id=other.brand_id)
        )
    assert_rollups_exact(ctx)
    assert [s.spend for s in spend.breakdown(ctx, spend.Dimension.BRAND)] == [0.5004]


def test_truncate_rebuilds_the_rollups(ctx: Atelier, shop: Shop) -> None:
    shop.edit("Spring", cost=Decimal("0.5"))
    shop.preview("Noir")
    with ctx.db.Session.begin() as s:
        s.execute(text("TRUNCATE edit_history"))
    assert_rollups_exact(ctx)
    with ctx.db.Session() as s:
        assert {r.dimension for r in s.scalars(select(SpendRollup))} >= {"total", "user"}  # the preview's


def test_the_migration_back_fill_equals_the_triggers(ctx: Atelier, shop: Shop) -> None:
    shop.edit("Spring", cost=Decimal("0.1"), cost_breakdown={"video": 0.1}, video_provider="replicate")
    shop.edit("Noir", status="failed", cost=Decimal("0.02"), cost_breakdown={"prompt": 0.02})
    shop.preview("Winter")
    with ctx.db.Session() as s:
        before = actual_rollup(s)
    with ctx.db.Session.begin() as s:
        s.execute(text("SELECT spend_rebuild()"))
    with ctx.db.Session() as s:
        assert actual_rollup(s) == before


def test_data_version_moves_with_what_pages_show_not_with_progress(ctx: Atelier, shop: Shop) -> None:
    v0 = spend.data_version(ctx)
    edit = shop.edit("Spring", status="running")
    v1 = spend.data_version(ctx)
    assert v1 > v0
    shop.update(edit, progress_step="generate_scene", progress_fraction=0.5, progress_at=datetime.now(UTC))
    assert spend.data_version(ctx) == v1
    shop.update(edit, modified_prompt="a brighter bottle")  # shown in the History page's details
    v2 = spend.data_version(ctx)
    assert v2 > v1
    with ctx.db.Session.begin() as s:  # an uncommitted change is not a new version for anyone else
        s.execute(update(EditHistory).where(EditHistory.edit_id == edit).values(status="completed"))
        assert spend.data_version(ctx) == v2
    assert spend.data_version(ctx) > v2


def test_concurrent_writers_neither_deadlock_nor_lose_a_cent(ctx: Atelier, shop: Shop) -> None:
    """Two edits of one campaign end at once: one fails (its row, then the campaign), the other commits
    (the campaign locked first, then its row), the order ledger.fail and ledger.commit use. Their
    rollup slices are the same rows; the deferred triggers queue both at commit."""
    a = shop.edit("Spring", status="running", scene_index=0)
    b = shop.edit("Spring", status="running", scene_index=1)
    cid = shop.campaigns["Spring"]
    b_has_campaign, errors = threading.Event(), []

    def fail_a() -> None:
        try:
            with ctx.db.Session.begin() as s:
                spent = {"status": "failed", "cost": Decimal("0.01"), "cost_breakdown": {"video": 0.01}}
                s.execute(update(EditHistory).where(EditHistory.edit_id == a).values(**spent))
                assert b_has_campaign.wait(10)
                s.execute(
                    update(Campaign).where(Campaign.id == cid).values(cost=Campaign.cost + Decimal("0.01"))
                )
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def commit_b() -> None:
        try:
            with ctx.db.Session.begin() as s:
                s.execute(select(Campaign).where(Campaign.id == cid).with_for_update())
                b_has_campaign.set()
                s.execute(text("SELECT pg_sleep(0.3)"))  # a's statement is waiting for the campaign now
                done = {"status": "completed", "cost": Decimal("0.2"), "cost_breakdown": {"video": 0.2}}
                s.execute(update(EditHistory).where(EditHistory.edit_id == b).values(**done))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=fail_a), threading.Thread(target=commit_b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert errors == []
    assert_rollups_exact(ctx)


def test_many_sessions_writing_at_once(ctx: Atelier, shop: Shop) -> None:
    ids = [
        shop.edit(name, status="running", scene_index=i) for i, name in enumerate(["Spring", "Winter"] * 6)
    ]
    barrier, errors = threading.Barrier(len(ids)), []

    def finish(n: int, edit_id: uuid.UUID) -> None:
        try:
            barrier.wait(10)
            cost = Decimal(n + 1) / 100
            shop.update(edit_id, status="completed" if n % 3 else "failed", cost=cost,
                        cost_breakdown={"video": float(cost)}, duration_seconds=Decimal(n))  # fmt: skip
            shop.preview("Noir", user_name=f"user{n}")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=finish, args=(n, e)) for n, e in enumerate(ids)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert_rollups_exact(ctx)
    with ctx.db.Session() as s:
        assert s.scalar(select(DataVersion.version)) >= 2 * len(ids)


def test_median_edit_time_is_within_its_bucket(ctx: Atelier, shop: Shop) -> None:
    durations = [0.05, 1.2, 2.5, 3.1, 44.0, 152.4, 600.0]
    for d in durations:
        shop.edit("Spring", duration_seconds=Decimal(str(d)))
    shop.edit("Spring", status="failed", duration_seconds=Decimal(9000))  # only completed edits count
    median = spend.kpis(ctx).median_seconds
    assert median is not None and math.isclose(median, 3.1, rel_tol=0.026)


def test_any_period_reads_exactly_its_rows(ctx: Atelier, shop: Shop) -> None:
    """Whole months come from month rows and the days at either end from day rows: every period,
    open or closed, inside a month or across three, adds up to the rows whose UTC day is in it."""
    stamps = [datetime(2026, 9, 30, 23, tzinfo=UTC), datetime(2026, 10, 1, 0, 30, tzinfo=UTC),
              datetime(2026, 10, 17, 12, tzinfo=UTC), datetime(2026, 10, 31, 23, 59, tzinfo=UTC),
              datetime(2026, 11, 1, tzinfo=UTC), DAY]  # fmt: skip
    for n, at in enumerate(stamps, start=1):
        shop.edit("Spring" if n % 2 else "Noir", timestamp=at, cost=Decimal(n), duration_seconds=Decimal(n))
        shop.preview("Winter", created_at=at, cost=Decimal(n) / 1000)
    days = sorted({at.date() for at in stamps})
    bounds = [None, *days, date(2026, 10, 2), date(2026, 10, 30), date(2026, 11, 30)]
    for since in bounds:
        for until in bounds:
            if since and until and since > until:
                continue
            period = spend.Period(since, until)
            inside = [n for n, at in enumerate(stamps, 1) if period.contains(at)]
            k = spend.kpis(ctx, period=period, on=DAY.date())
            assert (k.edits, k.previews) == (len(inside), len(inside)), period
            assert k.edit_spend == sum(inside) and math.isclose(k.preview_spend, sum(inside) / 1000), period
            by_campaign = {
                s.label: s.edits + s.previews
                for s in spend.breakdown(ctx, spend.Dimension.CAMPAIGN, period=period)
            }
            assert sum(by_campaign.values()) == 2 * len(inside), period
            by_day = spend.breakdown(ctx, spend.Dimension.DAY, period=period)
            assert sorted(s.key for s in by_day) == sorted({str(stamps[n - 1].date()) for n in inside}), (
                period
            )
