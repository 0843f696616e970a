"""SQLAlchemy 2 typed models. Alembic (editing/db/migrations) owns the schema."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    FetchedValue,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB, UUID
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

Money = Numeric(14, 6)


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    pass


class Brand(Base):
    __tablename__ = "brands"

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    perfumes: Mapped[list[Perfume]] = relationship(back_populates="brand")


class Perfume(Base):
    __tablename__ = "perfumes"
    __table_args__ = (UniqueConstraint("brand_id", "name"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    brand_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    brand: Mapped[Brand] = relationship(back_populates="perfumes")


class Campaign(Base):
    """A campaign; its creative content lives in ``campaign_json`` in the seed's shape."""

    __tablename__ = "campaigns"
    __table_args__ = (Index("idx_campaigns_campaign_json", "campaign_json", postgresql_using="gin"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    brand_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), index=True)
    perfume_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("perfumes.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    campaign_json: Mapped[dict[str, Any]] = mapped_column(JSONB)
    selected_variation_index: Mapped[int] = mapped_column(Integer, default=0)
    cost: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    status: Mapped[str] = mapped_column(String(20), default="completed")
    error_message: Mapped[str | None] = mapped_column(Text)
    # Bumped by every committed edit: the pipeline compares it to detect concurrent edits.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now(), onupdate=utcnow
    )

    brand: Mapped[Brand] = relationship()
    perfume: Mapped[Perfume] = relationship()


#: An edit that holds its scene: queued (accepted, not started) or running.
ACTIVE_STATUSES = ("queued", "running")
_ACTIVE = text("status IN ('queued', 'running')")
_PAID = text("cost > 0")


class EditHistory(Base):
    """One row per edit attempt: the single source of truth for history, spend and edit jobs.

    An edit is accepted as ``queued`` (with its Procrastinate job, in one transaction), runs as
    ``running`` under a lease (a PostgreSQL advisory lock on ``lease_key`` held by the process
    running it), and ends ``completed`` or ``failed``.
    """

    __tablename__ = "edit_history"
    __table_args__ = (
        Index("idx_edit_history_campaign_time", "campaign_id", "timestamp"),
        Index(
            "uq_edit_history_active_scene",
            "campaign_id",
            "variation",
            "scene_index",
            unique=True,
            postgresql_where=_ACTIVE,
        ),
        Index(
            "uq_edit_history_idempotency_key",
            "idempotency_key",
            unique=True,
            postgresql_where=text("idempotency_key IS NOT NULL"),
        ),
        Index("ix_edit_history_active", "status", postgresql_where=_ACTIVE),
        # the History page, drill-downs and the most expensive edits (migration 0005)
        Index("ix_edit_history_time", "timestamp"),
        Index("ix_edit_history_brand_time", "brand_id", "timestamp"),
        Index("ix_edit_history_user_time", "user_name", "timestamp"),
        Index("ix_edit_history_cost", "cost", "timestamp", postgresql_where=text("cost > 0")),
        Index(
            "ix_edit_history_brand_cost", "brand_id", "cost", "timestamp", postgresql_where=text("cost > 0")
        ),
    )

    edit_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    campaign_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    timestamp: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    scene_index: Mapped[int] = mapped_column(Integer)
    edit_prompt: Mapped[str] = mapped_column(Text)
    original_prompt: Mapped[str] = mapped_column(Text)
    modified_prompt: Mapped[str | None] = mapped_column(Text)
    changes_summary: Mapped[str | None] = mapped_column(Text)
    cost: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    cost_breakdown: Mapped[dict[str, float]] = mapped_column(JSONB, default=dict)
    duration_seconds: Mapped[Decimal] = mapped_column(Numeric(10, 3), default=Decimal(0))
    status: Mapped[str] = mapped_column(String(20), default="running")
    error: Mapped[str | None] = mapped_column(Text)
    user_name: Mapped[str] = mapped_column(String(200))
    prompt_provider: Mapped[str | None] = mapped_column(String(50))
    video_provider: Mapped[str | None] = mapped_column(String(50))
    prediction_id: Mapped[str | None] = mapped_column(String(200))
    base_version: Mapped[int] = mapped_column(Integer)
    scene_key_before: Mapped[str | None] = mapped_column(Text)
    scene_key_after: Mapped[str | None] = mapped_column(Text)
    final_key_before: Mapped[str | None] = mapped_column(Text)
    final_key_after: Mapped[str | None] = mapped_column(Text)
    # The job that runs it, and what anyone can follow of it (written as it happens).
    variation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    job_id: Mapped[int | None] = mapped_column(BigInteger)
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    lease_key: Mapped[int | None] = mapped_column(BigInteger)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    progress_step: Mapped[str | None] = mapped_column(String(40))
    progress_fraction: Mapped[float | None] = mapped_column(Float)
    progress_message: Mapped[str | None] = mapped_column(Text)
    progress_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    estimated_cost: Mapped[Decimal | None] = mapped_column(Money)
    estimated_seconds: Mapped[Decimal | None] = mapped_column(Numeric(10, 3))
    # How it changed the scene: regenerate | adjust | revert | upload; edits of one "edit all
    # scenes" share a group; an edit made from a preview names it. The plan is what the method
    # does, fixed when the edit is accepted: {"adjustment": {...}} or {"source_version": n}.
    method: Mapped[str] = mapped_column(String(20), default="regenerate", server_default="regenerate")
    group_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    preview_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    plan: Mapped[dict[str, Any] | None] = mapped_column(JSONB)
    # For the team: the scene's role; the estimate held against budgets while queued or running
    # (0 once it ended: its cost counts then); what regenerating would have cost (a quick adjust).
    scene_role: Mapped[str | None] = mapped_column(String(40))
    reserved: Mapped[Decimal] = mapped_column(Money, default=Decimal(0), server_default="0")
    regenerate_cost: Mapped[Decimal | None] = mapped_column(Money)
    approval_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    # The campaign's brand, set by a trigger on every insert (whatever the writer says), so a
    # brand's newest edits are one index away.
    brand_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), server_default=FetchedValue())


class User(Base):
    """Someone who signed in (or was added): the email is the identity recorded on everything."""

    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(320), primary_key=True)
    name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


#: What each role may do, in order: a manager may do what an editor may, an editor what a viewer may.
ROLES = ("viewer", "editor", "manager")


class Membership(Base):
    """A user's role in a brand."""

    __tablename__ = "memberships"
    __table_args__ = (CheckConstraint("role IN ('viewer', 'editor', 'manager')", name="ck_memberships_role"),)

    email: Mapped[str] = mapped_column(ForeignKey("users.email", ondelete="CASCADE"), primary_key=True)
    brand_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), primary_key=True)
    role: Mapped[str] = mapped_column(String(20))
    created_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Budget(Base):
    """A spending limit of a brand (campaign_id None) or of one campaign, per month or in total."""

    __tablename__ = "budgets"
    __table_args__ = (
        CheckConstraint("period IN ('monthly', 'total')", name="ck_budgets_period"),
        CheckConstraint("limit_usd >= 0", name="ck_budgets_limit"),
        Index(
            "uq_budgets_brand",
            "brand_id",
            "period",
            unique=True,
            postgresql_where=text("campaign_id IS NULL"),
        ),
        Index(
            "uq_budgets_campaign",
            "campaign_id",
            "period",
            unique=True,
            postgresql_where=text("campaign_id IS NOT NULL"),
        ),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    brand_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    period: Mapped[str] = mapped_column(String(10))
    limit_usd: Mapped[Decimal] = mapped_column(Money)
    updated_by: Mapped[str] = mapped_column(String(320))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Approval(Base):
    """An edit over budget waiting for a manager; approved, it is submitted once as its requester."""

    __tablename__ = "approvals"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'approved', 'rejected', 'used')", name="ck_approvals_status"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    campaign_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    scene_index: Mapped[int | None] = mapped_column(Integer)
    instruction: Mapped[str] = mapped_column(Text)
    request: Mapped[dict[str, Any]] = mapped_column(JSONB)
    estimated_cost: Mapped[Decimal] = mapped_column(Money)
    reason: Mapped[str] = mapped_column(Text)
    requested_by: Mapped[str] = mapped_column(String(320))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    status: Mapped[str] = mapped_column(String(20), default="pending", server_default="pending")
    decided_by: Mapped[str | None] = mapped_column(String(320))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    edit_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))


class AuditEntry(Base):
    """Who did what that is not an edit row: budgets, roles, approvals, imports, exports."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"), Index("ix_audit_log_brand_at", "brand_id", "at"))

    id: Mapped[int] = mapped_column(BigInteger, Identity(), primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    actor: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(40))
    brand_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    target: Mapped[str] = mapped_column(Text, default="", server_default="")
    details: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict, server_default=text("'{}'::jsonb"))


class StoredFile(Base):
    """Size and SHA-256 of every file Atelier stored, recorded when it was written."""

    __tablename__ = "stored_files"

    key: Mapped[str] = mapped_column(Text, primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


def include_name(name: str | None, type_: str, parent_names: Any) -> bool:
    """What Alembic compares: our tables, not Procrastinate's (its schema comes in our migrations)."""
    return not (type_ == "table" and (name or "").startswith("procrastinate_"))


class SceneVersion(Base):
    """One version of one scene: the single source of truth for which file is which version.

    Versions count from 1 per (campaign, variation, scene); the highest is the current one
    (campaign_json's ``video_key`` mirrors it). A revert adds a version that points at an
    earlier version's file, so the timeline only grows.
    """

    __tablename__ = "scene_versions"
    __table_args__ = (UniqueConstraint("campaign_id", "variation", "scene_index", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    campaign_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    variation: Mapped[int] = mapped_column(Integer, default=0)
    scene_index: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    video_key: Mapped[str] = mapped_column(Text)
    thumbnail_key: Mapped[str | None] = mapped_column(Text)
    prompt: Mapped[str] = mapped_column(Text)
    duration: Mapped[float] = mapped_column(Float)
    # original | regenerate | adjust | revert | upload | import
    method: Mapped[str] = mapped_column(String(20))
    source_version: Mapped[int | None] = mapped_column(
        Integer
    )  # what a revert restored, an adjust started from
    edit_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    cost: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class FinalVersion(Base):
    """One final video of a campaign variation, with the edit that made it (the highest is current)."""

    __tablename__ = "final_versions"
    __table_args__ = (UniqueConstraint("campaign_id", "variation", "version"),)

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    campaign_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    variation: Mapped[int] = mapped_column(Integer, default=0)
    version: Mapped[int] = mapped_column(Integer)
    video_key: Mapped[str] = mapped_column(Text)
    thumbnail_key: Mapped[str | None] = mapped_column(Text)
    edit_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    created_by: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Preview(Base):
    """A prompt rewrite shown before paying for a generation; its tokens are spend whether used or not."""

    __tablename__ = "previews"
    __table_args__ = (
        Index("ix_previews_time", "created_at"),
        Index("ix_previews_brand_time", "brand_id", "created_at"),
        Index("ix_previews_user_time", "user_name", "created_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True, default=uuid.uuid4)
    campaign_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("campaigns.id", ondelete="CASCADE"))
    variation: Mapped[int] = mapped_column(Integer, default=0)
    scene_index: Mapped[int] = mapped_column(Integer)
    instruction: Mapped[str] = mapped_column(Text)
    original_prompt: Mapped[str] = mapped_column(Text)
    modified_prompt: Mapped[str] = mapped_column(Text)
    changes_summary: Mapped[str] = mapped_column(Text)
    prompt_provider: Mapped[str] = mapped_column(String(50))
    cost: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    user_name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    used_by_edit_id: Mapped[uuid.UUID | None] = mapped_column(UUID(as_uuid=True))
    error: Mapped[str | None] = mapped_column(Text)  # the rewrite failed (its tokens may still be spend)
    # Set by a trigger from the campaign (as on edit_history): its brand, and the scene's role.
    brand_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), server_default=FetchedValue())
    scene_role: Mapped[str | None] = mapped_column(String(40))


#: Sums in the rollups: wider than one edit's Money.
Total = Numeric(18, 6)


class SpendRollup(Base):
    """Spend of one slice on one UTC day or in one UTC month: a brand's total, or one value of one dimension.

    Kept by triggers on edit_history and previews (migration 0005) in the transaction that
    writes the row; never written by the application. A period is read as its whole months
    (``grain`` month) plus the days at either end (``grain`` day).
    """

    __tablename__ = "spend_rollup"
    __table_args__ = (
        CheckConstraint("grain IN ('day', 'month')", name="ck_spend_rollup_grain"),
        Index("ix_spend_rollup_day", "dimension", "grain", "day"),
    )

    #: total (value '') | campaign (its id) | user | method | prompt_provider | video_provider |
    #: scene_role | status ('preview' for previews; '' where a row has no value)
    dimension: Mapped[str] = mapped_column(String(20), primary_key=True)
    grain: Mapped[str] = mapped_column(String(5), primary_key=True)  # day | month
    brand_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    value: Mapped[str] = mapped_column(String(200), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)  # the day, or the month's first day
    edits: Mapped[int] = mapped_column(BigInteger, server_default="0")
    completed: Mapped[int] = mapped_column(BigInteger, server_default="0")
    failed: Mapped[int] = mapped_column(BigInteger, server_default="0")
    cost: Mapped[Decimal] = mapped_column(Total, server_default="0")
    prompt_cost: Mapped[Decimal] = mapped_column(Total, server_default="0")
    video_cost: Mapped[Decimal] = mapped_column(Total, server_default="0")
    prompt_steps: Mapped[int] = mapped_column(BigInteger, server_default="0")
    video_steps: Mapped[int] = mapped_column(BigInteger, server_default="0")
    duration_s: Mapped[Decimal] = mapped_column(Numeric(18, 3), server_default="0")
    saved: Mapped[Decimal] = mapped_column(Total, server_default="0")
    previews: Mapped[int] = mapped_column(BigInteger, server_default="0")
    preview_cost: Mapped[Decimal] = mapped_column(Total, server_default="0")


class SpendEditTime(Base):
    """How many completed edits of a brand on a UTC day (or in a month) took about 1.05**bucket seconds."""

    __tablename__ = "spend_edit_times"
    __table_args__ = (CheckConstraint("grain IN ('day', 'month')", name="ck_spend_edit_times_grain"),)

    grain: Mapped[str] = mapped_column(String(5), primary_key=True)
    brand_id: Mapped[uuid.UUID] = mapped_column(UUID(as_uuid=True), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    bucket: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    edits: Mapped[int] = mapped_column(BigInteger, server_default="0")


class DataVersion(Base):
    """One row, bumped by triggers on every change the history, costs and audit pages show."""

    __tablename__ = "data_version"
    __table_args__ = (CheckConstraint("id = 1", name="ck_data_version_one_row"),)

    id: Mapped[int] = mapped_column(SmallInteger, primary_key=True, server_default="1")
    version: Mapped[int] = mapped_column(BigInteger, server_default="0")
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
