"""The team: who signed in, who is admin, and each brand's members with their role.

The signed-in email is the identity recorded on everything. The first person to sign in to an
empty install becomes admin of everything; after that only an admin or a manager of a brand may
change that brand's members, and only an admin may make admins. Every change writes an
``audit_log`` row in the same transaction. Without sign-in the app and the CLI act as
:data:`LOCAL_USER`, who is admin of everything (whoever runs it owns the install).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from editing.access import Access, access_of, local_access
from editing.config import LOCAL_USER
from editing.context import Atelier
from editing.db.models import ROLES, AuditEntry, Brand, Membership, User
from editing.errors import ForbiddenError, InputError, NotFoundError

__all__ = [
    "LOCAL_USER",
    "ROLES",
    "MemberInfo",
    "TeamUser",
    "add_member",
    "check_role",
    "get_user",
    "list_members",
    "manageable_brands",
    "normalize_email",
    "remove_member",
    "set_admin",
    "sign_in",
]

EMAIL_MAX = 320
NAME_MAX = 200
# One lock for "who is admin" decisions: two first sign-ins at once make exactly one admin.
_ADMIN_LOCK = 0x4154_4C53
_EMAIL = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)+")


@dataclass(frozen=True)
class TeamUser:
    """Someone who signed in; ``became_admin`` is true once: the first sign-in to an empty install."""

    email: str
    name: str
    is_admin: bool
    became_admin: bool = False


@dataclass(frozen=True)
class MemberInfo:
    """A user and their role in one brand (``brand`` None: an admin or a user with no brand yet)."""

    email: str
    name: str
    is_admin: bool
    brand: str | None
    role: str | None
    last_seen_at: datetime | None

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "last_seen_at": self.last_seen_at.isoformat() if self.last_seen_at else None}


def normalize_email(text: object) -> str:
    """An email as stored: trimmed and lower-case.

    Raises:
        InputError: not one plausible address (no '@', spaces, control characters, over 320 characters).
    """
    value = text.strip().lower() if isinstance(text, str) else ""
    if len(value) > EMAIL_MAX or not _EMAIL.fullmatch(value) or not value.isprintable():
        raise InputError(f"{str(text)[:80]!r} is not an email address")
    return value


def check_role(role: object) -> str:
    """Raises InputError unless ``role`` is viewer, editor or manager."""
    if role not in ROLES:
        raise InputError(f"Role must be one of {', '.join(ROLES)}, not {str(role)[:40]!r}")
    return str(role)


def _actor(actor: str) -> str:
    return LOCAL_USER if actor == LOCAL_USER else normalize_email(actor)


def _display_name(name: object) -> str:
    text = " ".join(name.split()) if isinstance(name, str) else ""
    return "".join(ch for ch in text if ch.isprintable())[:NAME_MAX]


def _audit(s: Session, actor: str, action: str, *, brand_id: uuid.UUID | None = None, target: str = "",
           **details: Any) -> None:  # fmt: skip
    s.add(AuditEntry(actor=actor, action=action, brand_id=brand_id, target=target, details=details))


def sign_in(ctx: Atelier, email: str, name: str = "") -> TeamUser:
    """Record a sign-in (the user, their name, when they were last seen).

    Raises:
        InputError: the identity provider gave no usable email.
    """
    email, name = normalize_email(email), _display_name(name)
    with ctx.db.Session.begin() as s:
        s.execute(select(func.pg_advisory_xact_lock(_ADMIN_LOCK)))
        first = s.scalar(select(User.email).limit(1)) is None
        stmt = insert(User).values(email=email, name=name, is_admin=first, last_seen_at=func.now())
        keep_name = func.coalesce(func.nullif(stmt.excluded.name, ""), User.name)
        seen = {"name": keep_name, "last_seen_at": func.now()}
        s.execute(stmt.on_conflict_do_update(index_elements=[User.email], set_=seen))
        if first:
            _audit(s, email, "admin.first_sign_in", target=email)
        row = s.execute(select(User.name, User.is_admin).where(User.email == email)).one()
    return TeamUser(email=email, name=row.name, is_admin=row.is_admin, became_admin=first)


def get_user(ctx: Atelier, email: str) -> TeamUser | None:
    """The user ``email`` (the local user is always there, and admin), or None if never seen."""
    if email == LOCAL_USER:
        return TeamUser(email=LOCAL_USER, name="Local user", is_admin=True)
    with ctx.db.Session() as s:
        row = s.get(User, normalize_email(email))
        return None if row is None else TeamUser(email=row.email, name=row.name, is_admin=row.is_admin)


def _person(s: Session, actor: str) -> Access | None:
    """``actor``'s roles, read the one way editing.access reads them (None: not a user)."""
    if actor == LOCAL_USER:
        return local_access(actor)
    try:
        return access_of(s, actor)
    except ForbiddenError:
        return None


def _is_admin(s: Session, actor: str) -> bool:
    who = _person(s, actor)
    return who is not None and who.admin


def _role(s: Session, actor: str, brand_id: uuid.UUID) -> str | None:
    who = _person(s, actor)
    return None if who is None else who.roles.get(brand_id)


def _managed_brand(s: Session, actor: str, brand: str) -> Brand:
    """The brand ``actor`` may change the members of.

    Raises:
        NotFoundError: no such brand, or one ``actor`` is not a member of (its existence is not told).
        ForbiddenError: ``actor`` is a member, but not a manager.
    """
    row = s.scalar(select(Brand).where(Brand.name == brand))
    if row is not None and _is_admin(s, actor):
        return row
    role = _role(s, actor, row.id) if row is not None else None
    if row is None or role is None:
        raise NotFoundError(f"Brand {brand!r} not found")
    if role != "manager":
        raise ForbiddenError(f"Only a manager of {brand} or an admin can change its members (you are {role})")
    return row


def add_member(ctx: Atelier, actor: str, email: str, brand: str, role: str) -> MemberInfo:
    """Give ``email`` a role in ``brand`` (or change it); the user needs not have signed in yet.

    Raises:
        InputError: a bad email or role. NotFoundError: unknown brand.
        ForbiddenError: ``actor`` is neither an admin nor a manager of ``brand``.
    """
    email, role, actor = normalize_email(email), check_role(role), _actor(actor)
    with ctx.db.Session.begin() as s:
        row = _managed_brand(s, actor, brand)
        s.execute(insert(User).values(email=email).on_conflict_do_nothing(index_elements=[User.email]))
        before = s.scalar(
            select(Membership.role)
            .where(Membership.email == email, Membership.brand_id == row.id)
            .with_for_update()
        )
        if before != role:
            stmt = insert(Membership).values(email=email, brand_id=row.id, role=role, created_by=actor)
            s.execute(stmt.on_conflict_do_update(index_elements=[Membership.email, Membership.brand_id],
                                                 set_={"role": role}))  # fmt: skip
            action = "member.add" if before is None else "member.role"
            _audit(s, actor, action, brand_id=row.id, target=email, role=role, before=before)
        user = s.get_one(User, email)
        return MemberInfo(email, user.name, user.is_admin, row.name, role, user.last_seen_at)


def remove_member(ctx: Atelier, actor: str, email: str, brand: str) -> None:
    """Take ``email`` out of ``brand`` (the user stays; an admin stays admin).

    Raises:
        InputError: a bad email. NotFoundError: unknown brand, or ``email`` is not a member of it.
        ForbiddenError: ``actor`` is neither an admin nor a manager of ``brand``.
    """
    email, actor = normalize_email(email), _actor(actor)
    with ctx.db.Session.begin() as s:
        row = _managed_brand(s, actor, brand)
        gone = s.scalar(
            delete(Membership)
            .where(Membership.email == email, Membership.brand_id == row.id)
            .returning(Membership.role)
        )
        if gone is None:
            raise NotFoundError(f"{email} is not a member of {brand}")
        _audit(s, actor, "member.remove", brand_id=row.id, target=email, role=gone)


def set_admin(ctx: Atelier, actor: str, email: str, admin: bool = True) -> TeamUser:
    """Make ``email`` admin of everything (or no longer admin).

    Raises:
        InputError: a bad email, or taking away the last admin. NotFoundError: no such user to unmake.
        ForbiddenError: ``actor`` is not an admin.
    """
    email, actor = normalize_email(email), _actor(actor)
    with ctx.db.Session.begin() as s:
        if not _is_admin(s, actor):
            raise ForbiddenError("Only an admin can make or unmake admins")
        s.execute(select(func.pg_advisory_xact_lock(_ADMIN_LOCK)))
        if admin:
            s.execute(insert(User).values(email=email).on_conflict_do_nothing(index_elements=[User.email]))
        user = s.get(User, email, populate_existing=True)
        if user is None:
            raise NotFoundError(f"{email} is not a user")
        if user.is_admin != admin:
            admins = s.scalar(select(func.count()).where(User.is_admin)) or 0
            if not admin and admins <= 1:
                raise InputError(f"{email} is the last admin; make someone else admin first")
            user.is_admin = admin
            _audit(s, actor, "admin.grant" if admin else "admin.revoke", target=email)
        return TeamUser(email=user.email, name=user.name, is_admin=user.is_admin)


def manageable_brands(ctx: Atelier, actor: str) -> list[str]:
    """The brands whose members ``actor`` may change: every brand for an admin, else those they manage."""
    actor = _actor(actor)
    with ctx.db.Session() as s:
        query = select(Brand.name).order_by(Brand.name)
        if not _is_admin(s, actor):
            query = query.join(Membership).where(Membership.email == actor, Membership.role == "manager")
        return list(s.scalars(query))


def list_members(ctx: Atelier, actor: str, brand: str | None = None) -> list[MemberInfo]:
    """Members and their role per brand: all of them (and users with no brand) for an admin,
    those of the brands they manage for a manager.

    Raises:
        NotFoundError: unknown brand. ForbiddenError: ``actor`` manages no brand (or not ``brand``).
    """
    actor = _actor(actor)
    with ctx.db.Session() as s:
        if brand is not None:
            brands = [_managed_brand(s, actor, brand).name]
        elif _is_admin(s, actor):
            brands = None
        else:
            brands = manageable_brands(ctx, actor)
            if not brands:
                raise ForbiddenError("You need to be a manager of a brand, or an admin, to see its members")
        query = (
            select(User, Brand.name, Membership.role)
            .outerjoin(Membership, Membership.email == User.email)
            .outerjoin(Brand, Brand.id == Membership.brand_id)
            .order_by(Brand.name.nulls_first(), User.email)
        )
        if brands is not None:
            query = query.where(Brand.name.in_(brands))
        rows = s.execute(query)
        return [MemberInfo(u.email, u.name, u.is_admin, name, role, u.last_seen_at) for u, name, role in rows]
