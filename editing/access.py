"""Who may see and do what: the one place where roles per brand are decided.

Every read and write in editing/ takes a *scope* (the ``brand`` keyword of the service
functions) and goes through :func:`editing.queries.visible` and :func:`require`:

- ``None``: everything (a process acting for itself: the worker, start-up, local mode);
- a brand name: that brand only (``ATELIER_BRAND``: a deployment pinned to one brand);
- an :class:`Access`: a person (signed in, or ``--user`` on the CLI) with a role in each
  of their brands, optionally narrowed to the brand they picked in the sidebar.

Roles are ordered: a manager may do what an editor may, an editor what a viewer may.
An admin is a manager of every brand. With no user recorded at all (a laptop, a demo) the
install is in local mode: the local user may do everything, as before sign-in existed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from editing.db.models import ROLES, Brand, Membership, User
from editing.errors import ForbiddenError, NotFoundError

if TYPE_CHECKING:
    from editing.context import Atelier

VIEWER, EDITOR, MANAGER = ROLES
#: The ``need`` of every edit (regenerate, adjust, revert, upload, preview): an editor of the brand.
EDITING = (EDITOR, "editing a scene")


@dataclass(frozen=True)
class Access:
    """A person's roles: ``roles`` maps a brand id to viewer | editor | manager."""

    user: str
    admin: bool = False
    roles: dict[uuid.UUID, str] = field(default_factory=dict, hash=False)
    brand: str | None = None  # narrowed to this brand (by name): the sidebar's choice
    local: bool = False  # local mode: no sign-in configured, one user who may do everything

    def role_in(self, brand_id: uuid.UUID) -> str | None:
        return MANAGER if self.admin else self.roles.get(brand_id)

    def may(self, brand_id: uuid.UUID, role: str) -> bool:
        held = self.role_in(brand_id)
        return held is not None and ROLES.index(held) >= ROLES.index(role)

    def narrowed(self, brand: str | None) -> Access:
        return replace(self, brand=brand)

    @property
    def brand_ids(self) -> list[uuid.UUID]:
        return list(self.roles)


#: What the ``brand`` keyword of the service functions accepts.
Scope = Access | str | None


def local_access(user: str) -> Access:
    return Access(user=user, admin=True, local=True)


def team_mode(session: Session) -> bool:
    """Whether anyone was recorded as a user (sign-in was used, or members were added)."""
    return bool(session.scalar(select(exists().where(User.email.is_not(None)))))


def access_for(ctx: Atelier, email: str | None) -> Access:
    """The roles of ``email`` (the CLI's ``--user``; the app passes the signed-in email).

    With no user recorded (local mode), whoever acts is the local user and may do everything.

    Raises:
        ForbiddenError: users exist and ``email`` is not one of them (or is missing).
    """
    with ctx.db.Session() as session:
        if not team_mode(session):
            return local_access(email or ctx.settings.user)
        if not email:
            raise ForbiddenError("Sign-in is in use here: say who you are with --user EMAIL")
        return access_of(session, email.strip().lower())  # as editing.team stores it


def access_of(session: Session, email: str) -> Access:
    """A recorded user's roles (raises ForbiddenError for an unknown one)."""
    user = session.get(User, email)
    if user is None:
        raise ForbiddenError(
            f"{email} is not a user of Atelier: act as one (--user EMAIL) "
            "or ask an admin to add you (Admin page)"
        )
    rows = session.execute(select(Membership.brand_id, Membership.role).where(Membership.email == email))
    return Access(user=email, admin=user.is_admin, roles={b: r for b, r in rows})


def actor(scope: Scope, default: str) -> str:
    """The identity recorded for an action taken in ``scope``: a person's own, never a name passed in."""
    return scope.user if isinstance(scope, Access) else default


def require(session: Session, scope: Scope, brand_id: uuid.UUID, role: str, doing: str) -> None:
    """Refuse ``doing`` (e.g. "editing a scene") unless ``scope`` holds ``role`` in the brand.

    Raises:
        ForbiddenError: one line naming the role held and the role needed, and who can grant it.
    """
    if not isinstance(scope, Access) or scope.may(brand_id, role):
        return
    brand = session.get(Brand, brand_id)
    name = brand.name if brand is not None else str(brand_id)
    held = scope.role_in(brand_id) or "not a member"
    held_text = f"a {held}" if held != "not a member" else held
    raise ForbiddenError(
        f"{scope.user} is {held_text} of {name}: {doing} needs the {role} role "
        f"(ask a manager of {name}: {', '.join(managers(session, brand_id)) or 'an admin'})"
    )


def require_brand(session: Session, scope: Scope, brand_name: str, role: str, doing: str) -> uuid.UUID | None:
    """:func:`require` by brand name; a brand that does not exist yet needs an admin to create it.

    Returns the brand's id, or None when it does not exist (and the caller may create it).
    """
    brand_id = session.scalar(select(Brand.id).where(Brand.name == brand_name))
    if isinstance(scope, str) and scope != brand_name:
        raise NotFoundError(f"Brand {brand_name} not found")
    if brand_id is None:
        if isinstance(scope, Access) and not scope.admin:
            raise ForbiddenError(f"Only an admin can create the brand {brand_name}")
        return None
    require(session, scope, brand_id, role, doing)
    return brand_id


def managers(session: Session, brand_id: uuid.UUID) -> list[str]:
    """Who can raise a budget or grant a role in the brand: its managers, then the admins."""
    rows = session.scalars(
        select(Membership.email)
        .where(Membership.brand_id == brand_id, Membership.role == MANAGER)
        .order_by(Membership.email)
    ).all()
    admins = session.scalars(select(User.email).where(User.is_admin).order_by(User.email)).all()
    return list(dict.fromkeys([*rows, *admins]))


def check_create(ctx: Atelier, scope: Scope, brand_name: str) -> None:
    """Refuse making a campaign in ``brand_name`` (import, create, demo) without the editor role
    there; a brand that does not exist yet may be created by an admin only."""
    with ctx.db.Session() as session:
        require_brand(session, scope, brand_name, EDITOR, "adding a campaign")
