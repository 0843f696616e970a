"""Spend rollups kept by triggers, a data version for caches, and the indexes of history and drill-downs.

``spend_rollup`` holds, per UTC day and per UTC month (``grain``), brand and one dimension's
value (the brand's total, a campaign, a user, a method, a prompt or video provider, a scene
role, a status), what the edits and previews of that slice count and cost: a period is read as
its whole months plus the days at either end, so a year is a few thousand rows, not millions.
``spend_edit_times`` is a histogram of completed edits' durations (5% buckets, per day and per
month) for the median edit time. Both are kept by triggers on
``edit_history`` and ``previews`` that apply the difference between a row's old and new
contributions, whatever code writes the row, in the writing transaction. The triggers are
deferred to commit and take the one ``data_version`` row first, so writers of the rollups
queue on one lock at commit and can never deadlock each other or the edits' own locks.

``data_version`` is bumped by every change a dashboard, history or audit page shows: the pages
key their caches on it, so a page is never stale after an edit.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

import re

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

UUID = postgresql.UUID(as_uuid=True)
SUM = sa.Numeric(18, 6)

#: The rollup's measures, in column order: (name, type).
MEASURES = (
    ("edits", sa.BigInteger()),
    ("completed", sa.BigInteger()),
    ("failed", sa.BigInteger()),
    ("cost", SUM),  # what edit rows cost (failed ones included; previews apart)
    ("prompt_cost", SUM),  # the edits' prompt step (their cost_breakdown "prompt")
    ("video_cost", SUM),  # the edits' video step
    ("prompt_steps", sa.BigInteger()),  # edits that ran a prompt step
    ("video_steps", sa.BigInteger()),  # edits that ran a video step
    ("duration_s", sa.Numeric(18, 3)),  # seconds of the completed edits
    ("saved", SUM),  # completed quick adjusts: the regeneration they avoided, minus their cost
    ("previews", sa.BigInteger()),
    ("preview_cost", SUM),  # prompt rewrites shown before paying: spend whether used or not
)
NAMES = [name for name, _ in MEASURES]


def _sql(type_: sa.types.TypeEngine) -> str:  # type: ignore[type-arg]
    return str(type_.compile(dialect=postgresql.dialect()))


#: The rollup's key, in column order (also its primary key's order: a brand's slices of one
#: dimension are one index range; ix_spend_rollup_day serves every brand's days).
KEY = "dimension, grain, brand_id, value, day"
#: The month rows of a set of day rows (``d``): same slices, the month's first day.
MONTHS = "dimension, 'month', brand_id, value, date_trunc('month', day)::date"

# One slice per dimension for each row: (dimension, value) as SQL over the row alias.
_EDIT_SLICES = """(VALUES ('total', ''), ('campaign', e.campaign_id::text), ('user', e.user_name),
        ('method', e.method), ('prompt_provider', COALESCE(e.prompt_provider, '')),
        ('video_provider', COALESCE(e.video_provider, '')), ('scene_role', COALESCE(e.scene_role, '')),
        ('status', e.status)) AS d(dimension, value)"""
_PREVIEW_SLICES = """(VALUES ('total', ''), ('campaign', p.campaign_id::text), ('user', p.user_name),
        ('method', 'preview'), ('prompt_provider', COALESCE(p.prompt_provider, '')),
        ('video_provider', ''), ('scene_role', COALESCE(p.scene_role, '')),
        ('status', 'preview')) AS d(dimension, value)"""
_EDIT_MEASURES = {
    "edits": "1",
    "completed": "(e.status = 'completed')::int",
    "failed": "(e.status = 'failed')::int",
    "cost": "e.cost",
    "prompt_cost": "spend_money(e.cost_breakdown -> 'prompt')",
    "video_cost": "spend_money(e.cost_breakdown -> 'video')",
    "prompt_steps": "COALESCE(jsonb_typeof(e.cost_breakdown -> 'prompt') = 'number', false)::int",
    "video_steps": "COALESCE(jsonb_typeof(e.cost_breakdown -> 'video') = 'number', false)::int",
    "duration_s": "CASE WHEN e.status = 'completed' THEN e.duration_seconds ELSE 0 END",
    "saved": "CASE WHEN e.status = 'completed' AND e.method = 'adjust'"
    " THEN COALESCE(e.regenerate_cost - e.cost, 0) ELSE 0 END",
    "previews": "0",
    "preview_cost": "0",
}
_PREVIEW_MEASURES = dict.fromkeys(NAMES, "0") | {"previews": "1", "preview_cost": "p.cost"}
#: What a row's contribution depends on: an update touching none of these leaves the rollups alone.
_EDIT_INPUTS = (
    '"timestamp"', "brand_id", "campaign_id", "user_name", "method", "prompt_provider", "video_provider",
    "scene_role", "status", "cost", "cost_breakdown", "duration_seconds", "regenerate_cost",
)  # fmt: skip
_PREVIEW_INPUTS = (
    "created_at",
    "brand_id",
    "campaign_id",
    "user_name",
    "prompt_provider",
    "scene_role",
    "cost",
)


def _contributions(fn: str, table: str, alias: str, day: str, slices: str, measures: dict[str, str]) -> str:
    cols = ",\n       ".join(f"(sign * ({measures[n]}))::{_sql(t)}" for n, t in MEASURES)
    return f"""
CREATE FUNCTION {fn}({alias} {table}, sign integer) RETURNS SETOF spend_rollup
LANGUAGE sql STABLE AS $$
SELECT d.dimension, 'day'::varchar, {alias}.brand_id, d.value, ({alias}.{day} AT TIME ZONE 'UTC')::date,
       {cols}
FROM {slices}
$$"""


def _apply() -> str:
    names = ", ".join(NAMES)
    sums = ", ".join(f"sum({n})" for n in NAMES)
    nonzero = " OR ".join(f"sum({n}) <> 0" for n in NAMES)
    sets = ", ".join(f"{n} = s.{n} + EXCLUDED.{n}" for n in NAMES)
    return f"""
CREATE FUNCTION spend_apply(deltas spend_rollup[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO spend_rollup AS s
    SELECT {KEY}, {sums} FROM (
        SELECT * FROM unnest(deltas)
        UNION ALL SELECT {MONTHS}, {names} FROM unnest(deltas)
    ) d
    GROUP BY {KEY} HAVING {nonzero} ORDER BY {KEY}
    ON CONFLICT ({KEY}) DO UPDATE SET {sets};
    -- a slice nothing contributes to any more (edits and previews both 0) goes
    DELETE FROM spend_rollup s
    USING (SELECT {KEY} FROM unnest(deltas) UNION SELECT {MONTHS} FROM unnest(deltas)) d
    WHERE ({", ".join("s." + k for k in KEY.split(", "))}) = ({", ".join("d." + k for k in KEY.split(", "))})
      AND s.edits = 0 AND s.previews = 0;
END $$"""


#: A scene's role in a campaign_json, from its variation's scenes (or the top level's, which mirror the
#: selected one); none for a campaign-level edit (scene -1: the music; ``-> -1`` would be the last scene).
_ROLE = """
CREATE FUNCTION spend_role(j jsonb, variation integer, scene integer) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
SELECT CASE WHEN scene >= 0 THEN COALESCE(j -> 'variations' -> variation -> 'scenes' -> scene ->> 'role',
                                          j -> 'scenes' -> scene ->> 'role') END
$$"""
_HELPERS = (
    """
CREATE FUNCTION spend_money(j jsonb) RETURNS numeric LANGUAGE sql IMMUTABLE AS $$
SELECT CASE WHEN jsonb_typeof(j) = 'number' THEN round((j #>> '{}')::numeric, 6) ELSE 0 END
$$""",
    # 5% buckets from 10 ms to 11 days: the median is read to within 2.5%
    """
CREATE FUNCTION spend_bucket(seconds numeric) RETURNS smallint LANGUAGE sql IMMUTABLE AS $$
SELECT floor(ln(greatest(least(seconds, 1000000), 0.01)) / ln(1.05))::smallint
$$""",
    """
CREATE FUNCTION spend_times_of_edit(e edit_history, sign integer) RETURNS SETOF spend_edit_times
LANGUAGE sql STABLE AS $$
SELECT 'day'::varchar, e.brand_id, (e."timestamp" AT TIME ZONE 'UTC')::date, spend_bucket(e.duration_seconds),
       sign::bigint
WHERE e.status = 'completed'
$$""",
    """
CREATE FUNCTION spend_times_apply(deltas spend_edit_times[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO spend_edit_times AS s
    SELECT grain, brand_id, day, bucket, sum(edits) FROM (
        SELECT * FROM unnest(deltas)
        UNION ALL SELECT 'month', brand_id, date_trunc('month', day)::date, bucket, edits FROM unnest(deltas)
    ) d
    GROUP BY grain, brand_id, day, bucket HAVING sum(edits) <> 0 ORDER BY grain, brand_id, day, bucket
    ON CONFLICT (grain, brand_id, day, bucket) DO UPDATE SET edits = s.edits + EXCLUDED.edits;
    DELETE FROM spend_edit_times s USING (
        SELECT grain, brand_id, day, bucket FROM unnest(deltas)
        UNION SELECT 'month', brand_id, date_trunc('month', day)::date, bucket FROM unnest(deltas)
    ) d
    WHERE (s.grain, s.brand_id, s.day, s.bucket) = (d.grain, d.brand_id, d.day, d.bucket) AND s.edits = 0;
END $$""",
    # Every writer of the rollups takes this row first: one lock order, no deadlocks.
    """
CREATE FUNCTION data_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_version SET version = version + 1, changed_at = now() WHERE id = 1;
    RETURN NULL;
END $$""",
    """
CREATE FUNCTION spend_edit_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_version SET version = version + 1, changed_at = now() WHERE id = 1;
    PERFORM spend_apply(ARRAY(
        SELECT r FROM spend_of_edit(OLD, -1) r WHERE TG_OP <> 'INSERT'
        UNION ALL SELECT r FROM spend_of_edit(NEW, 1) r WHERE TG_OP <> 'DELETE'));
    PERFORM spend_times_apply(ARRAY(
        SELECT r FROM spend_times_of_edit(OLD, -1) r WHERE TG_OP <> 'INSERT'
        UNION ALL SELECT r FROM spend_times_of_edit(NEW, 1) r WHERE TG_OP <> 'DELETE'));
    RETURN NULL;
END $$""",
    """
CREATE FUNCTION spend_preview_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_version SET version = version + 1, changed_at = now() WHERE id = 1;
    PERFORM spend_apply(ARRAY(
        SELECT r FROM spend_of_preview(OLD, -1) r WHERE TG_OP <> 'INSERT'
        UNION ALL SELECT r FROM spend_of_preview(NEW, 1) r WHERE TG_OP <> 'DELETE'));
    RETURN NULL;
END $$""",
    # The brand (and, when the writer left it out, the scene's role in the row's variation) of an
    # edit or preview row; a campaign-level edit (scene_index -1: the music) has no role.
    """
CREATE FUNCTION spend_fill_row() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    b uuid;
    j jsonb;
BEGIN
    SELECT c.brand_id, c.campaign_json INTO b, j FROM campaigns c WHERE c.id = NEW.campaign_id;
    NEW.brand_id := b;
    IF NEW.scene_role IS NULL THEN
        NEW.scene_role := left(spend_role(j, NEW.variation, NEW.scene_index), 40);
    END IF;
    RETURN NEW;
END $$""",
    # A campaign moved to another brand takes its rows along (and their spend, through the triggers).
    """
CREATE FUNCTION spend_campaign_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE edit_history SET brand_id = NEW.brand_id WHERE campaign_id = NEW.id;
    UPDATE previews SET brand_id = NEW.brand_id WHERE campaign_id = NEW.id;
    RETURN NULL;
END $$""",
)


def _rebuild() -> str:
    sums = ", ".join(f"sum({n})" for n in NAMES)
    month_key = "dimension, brand_id, value, date_trunc('month', day)::date"
    return f"""
CREATE FUNCTION spend_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    UPDATE data_version SET version = version + 1, changed_at = now() WHERE id = 1;
    DELETE FROM spend_rollup;
    DELETE FROM spend_edit_times;
    INSERT INTO spend_rollup
    SELECT {KEY}, {sums} FROM (
        SELECT r.* FROM edit_history e, LATERAL spend_of_edit(e, 1) r
        UNION ALL SELECT r.* FROM previews p, LATERAL spend_of_preview(p, 1) r
    ) d GROUP BY {KEY};
    INSERT INTO spend_rollup
    SELECT {MONTHS}, {sums} FROM spend_rollup WHERE grain = 'day' GROUP BY {month_key};
    INSERT INTO spend_edit_times
    SELECT r.grain, r.brand_id, r.day, r.bucket, sum(r.edits)
    FROM edit_history e, LATERAL spend_times_of_edit(e, 1) r GROUP BY 1, 2, 3, 4;
    INSERT INTO spend_edit_times
    SELECT 'month', brand_id, date_trunc('month', day)::date, bucket, sum(edits)
    FROM spend_edit_times WHERE grain = 'day' GROUP BY 2, 3, 4;
END $$"""


def _when_changed(columns: tuple[str, ...]) -> str:
    old = ", ".join(f"OLD.{c}" for c in columns)
    new = ", ".join(f"NEW.{c}" for c in columns)
    return f"(({old}) IS DISTINCT FROM ({new}))"


def _deferred(name: str, events: str, table: str, fn: str, when: str = "") -> str:
    when = f" WHEN {when}" if when else ""
    return (
        f"CREATE CONSTRAINT TRIGGER {name} AFTER {events} ON {table} DEFERRABLE INITIALLY DEFERRED "
        f"FOR EACH ROW{when} EXECUTE FUNCTION {fn}()"
    )


_TRIGGERS = (
    "CREATE TRIGGER spend_fill_row BEFORE INSERT OR UPDATE OF campaign_id, brand_id ON edit_history "
    "FOR EACH ROW EXECUTE FUNCTION spend_fill_row()",
    "CREATE TRIGGER spend_fill_row BEFORE INSERT OR UPDATE OF campaign_id, brand_id ON previews "
    "FOR EACH ROW EXECUTE FUNCTION spend_fill_row()",
    _deferred("spend_edit_written", "INSERT OR DELETE", "edit_history", "spend_edit_changed"),
    _deferred(
        "spend_edit_updated", "UPDATE", "edit_history", "spend_edit_changed", _when_changed(_EDIT_INPUTS)
    ),
    # anything else the pages show (prompts, summary, error…), but not progress, which only the dialog follows
    _deferred(
        "data_version_edit",
        "UPDATE",
        "edit_history",
        "data_version_bump",
        "(OLD.progress_at IS NOT DISTINCT FROM NEW.progress_at)",
    ),
    _deferred("spend_preview_written", "INSERT OR DELETE", "previews", "spend_preview_changed"),
    _deferred(
        "spend_preview_updated", "UPDATE", "previews", "spend_preview_changed", _when_changed(_PREVIEW_INPUTS)
    ),
    "CREATE TRIGGER spend_truncated AFTER TRUNCATE ON edit_history "
    "FOR EACH STATEMENT EXECUTE FUNCTION spend_rebuild_trigger()",
    "CREATE TRIGGER spend_truncated AFTER TRUNCATE ON previews "
    "FOR EACH STATEMENT EXECUTE FUNCTION spend_rebuild_trigger()",
    "CREATE TRIGGER spend_campaign_moved AFTER UPDATE OF brand_id ON campaigns FOR EACH ROW "
    "WHEN (OLD.brand_id IS DISTINCT FROM NEW.brand_id) EXECUTE FUNCTION spend_campaign_moved()",
    _deferred("data_version_budgets", "INSERT OR UPDATE OR DELETE", "budgets", "data_version_bump"),
    _deferred("data_version_audit", "INSERT OR UPDATE OR DELETE", "audit_log", "data_version_bump"),
    _deferred("data_version_named", "INSERT OR DELETE", "campaigns", "data_version_bump"),
    _deferred("data_version_renamed", "UPDATE", "campaigns", "data_version_bump", _when_changed(("name",))),
    _deferred("data_version_named", "INSERT OR DELETE", "brands", "data_version_bump"),
    _deferred("data_version_renamed", "UPDATE", "brands", "data_version_bump", _when_changed(("name",))),
)
_REBUILD_TRIGGER = """
CREATE FUNCTION spend_rebuild_trigger() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM spend_rebuild();
    RETURN NULL;
END $$"""
_FUNCTIONS = (
    "spend_rebuild_trigger()", "spend_rebuild()", "spend_campaign_moved()", "spend_fill_row()",
    "spend_preview_changed()", "spend_edit_changed()", "data_version_bump()",
    "spend_times_apply(spend_edit_times[])", "spend_times_of_edit(edit_history, integer)",
    "spend_bucket(numeric)", "spend_money(jsonb)", "spend_apply(spend_rollup[])",
    "spend_of_preview(previews, integer)", "spend_of_edit(edit_history, integer)",
    "spend_role(jsonb, integer, integer)",
)  # fmt: skip
#: (trigger, table) of every trigger above, for the downgrade.
_DROPPED_TRIGGERS = [
    m.groups()
    for sql in _TRIGGERS
    for m in [re.search(r"TRIGGER (\w+) (?:BEFORE|AFTER) .*? ON (\w+) ", sql)]
    if m
]


def _tables() -> None:
    op.create_table(
        "data_version",
        sa.Column("id", sa.SmallInteger(), primary_key=True, server_default="1"),
        sa.Column("version", sa.BigInteger(), nullable=False, server_default="0"),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.CheckConstraint("id = 1", name="ck_data_version_one_row"),
    )
    op.execute("INSERT INTO data_version (id, version) VALUES (1, 0)")
    op.create_table(
        "spend_rollup",
        sa.Column("dimension", sa.String(20), primary_key=True),
        sa.Column("grain", sa.String(5), primary_key=True),  # day | month
        sa.Column("brand_id", UUID, primary_key=True),
        sa.Column("value", sa.String(200), primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),  # the day, or the month's first day
        *(sa.Column(name, type_, nullable=False, server_default="0") for name, type_ in MEASURES),
        sa.CheckConstraint("grain IN ('day', 'month')", name="ck_spend_rollup_grain"),
    )
    op.create_index("ix_spend_rollup_day", "spend_rollup", ["dimension", "grain", "day"])
    op.create_table(
        "spend_edit_times",
        sa.Column("grain", sa.String(5), primary_key=True),
        sa.Column("brand_id", UUID, primary_key=True),
        sa.Column("day", sa.Date(), primary_key=True),
        sa.Column("bucket", sa.SmallInteger(), primary_key=True),
        sa.Column("edits", sa.BigInteger(), nullable=False, server_default="0"),
        sa.CheckConstraint("grain IN ('day', 'month')", name="ck_spend_edit_times_grain"),
    )


def _denormalized_columns() -> None:
    """Each edit and preview names its brand (set by trigger), so a brand's newest rows are one index away."""
    op.add_column("edit_history", sa.Column("brand_id", UUID))
    op.add_column("previews", sa.Column("brand_id", UUID))
    op.add_column("previews", sa.Column("scene_role", sa.String(40)))
    op.execute("UPDATE edit_history e SET brand_id = c.brand_id FROM campaigns c WHERE c.id = e.campaign_id")
    op.execute(
        "UPDATE previews p SET brand_id = c.brand_id, "
        "scene_role = left(spend_role(c.campaign_json, p.variation, p.scene_index), 40) "
        "FROM campaigns c WHERE c.id = p.campaign_id"
    )
    op.alter_column("edit_history", "brand_id", nullable=False)
    op.alter_column("previews", "brand_id", nullable=False)
    op.create_index("ix_edit_history_time", "edit_history", ["timestamp"])
    op.create_index("ix_edit_history_brand_time", "edit_history", ["brand_id", "timestamp"])
    op.create_index("ix_edit_history_user_time", "edit_history", ["user_name", "timestamp"])
    paid = sa.text("cost > 0")
    op.create_index("ix_edit_history_cost", "edit_history", ["cost", "timestamp"], postgresql_where=paid)
    op.create_index(
        "ix_edit_history_brand_cost", "edit_history", ["brand_id", "cost", "timestamp"], postgresql_where=paid
    )
    for step in ("prompt", "video"):  # the share of edits that ran each step, for the drill-down's plan
        op.execute(
            f"CREATE STATISTICS st_edit_history_{step} ON (jsonb_typeof(cost_breakdown -> '{step}')) "
            "FROM edit_history"
        )
    op.create_index("ix_previews_time", "previews", ["created_at"])
    op.create_index("ix_previews_brand_time", "previews", ["brand_id", "created_at"])
    op.create_index("ix_previews_user_time", "previews", ["user_name", "created_at"])


def upgrade() -> None:
    _tables()
    op.execute(_ROLE)
    _denormalized_columns()
    for sql in _HELPERS:  # SQL bodies are checked when created: helpers first
        op.execute(sql)
    op.execute(
        _contributions("spend_of_edit", "edit_history", "e", '"timestamp"', _EDIT_SLICES, _EDIT_MEASURES)
    )
    op.execute(
        _contributions("spend_of_preview", "previews", "p", "created_at", _PREVIEW_SLICES, _PREVIEW_MEASURES)
    )
    op.execute(_apply())
    op.execute(_rebuild())
    op.execute(_REBUILD_TRIGGER)
    op.execute("SELECT spend_rebuild()")  # back-fill from the rows already there
    for sql in _TRIGGERS:
        op.execute(sql)


def downgrade() -> None:
    for name, table in _DROPPED_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
    for signature in _FUNCTIONS:
        op.execute(f"DROP FUNCTION IF EXISTS {signature}")
    for step in ("prompt", "video"):
        op.execute(f"DROP STATISTICS IF EXISTS st_edit_history_{step}")
    for name in ("ix_previews_user_time", "ix_previews_brand_time", "ix_previews_time"):
        op.drop_index(name, table_name="previews")
    for name in ("brand_cost", "cost", "user_time", "brand_time", "time"):
        op.drop_index(f"ix_edit_history_{name}", table_name="edit_history")
    op.drop_column("previews", "scene_role")
    op.drop_column("previews", "brand_id")
    op.drop_column("edit_history", "brand_id")
    op.drop_table("spend_edit_times")
    op.drop_table("spend_rollup")
    op.drop_table("data_version")
