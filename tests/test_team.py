"""The team's rules against the real database: first sign-in is admin (even in a race), who may
change members, every change audited, bad input refused with nothing stored."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from sqlalchemy import func, select

from editing import team
from editing.context import Atelier
from editing.db.models import AuditEntry, Brand, Membership, User
from editing.errors import ForbiddenError, InputError, NotFoundError

ANA, BEN, CLO = "ana@example.com", "ben@example.com", "clo@example.com"


@pytest.fixture
def brands(ctx: Atelier) -> tuple[str, str]:
    with ctx.db.Session.begin() as s:
        s.add_all([Brand(name="Maison A"), Brand(name="Maison B")])
    return "Maison A", "Maison B"


def _counts(ctx: Atelier) -> tuple[Any, ...]:
    with ctx.db.Session() as s:
        return tuple(s.scalar(select(func.count()).select_from(t)) for t in (User, Membership, AuditEntry))


def _audit(ctx: Atelier) -> list[tuple[str, str, str, dict[str, Any]]]:
    with ctx.db.Session() as s:
        rows = s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
        return [(r.actor, r.action, r.target, r.details) for r in rows]


def test_first_sign_in_is_admin_and_the_next_is_not(ctx: Atelier) -> None:
    first = team.sign_in(ctx, "  Ana@Example.com ", "Ana Lima")
    assert first == team.TeamUser(ANA, "Ana Lima", is_admin=True, became_admin=True)
    second = team.sign_in(ctx, BEN, "Ben")
    assert (second.is_admin, second.became_admin) == (False, False)
    again = team.sign_in(ctx, ANA, "")  # a provider without a name keeps the one known
    assert (again.name, again.is_admin, again.became_admin) == ("Ana Lima", True, False)
    assert _audit(ctx) == [(ANA, "admin.first_sign_in", ANA, {})]
    with ctx.db.Session() as s:
        assert s.scalar(select(User.last_seen_at).where(User.email == ANA)) is not None


def test_two_first_sign_ins_at_once_make_exactly_one_admin(ctx: Atelier) -> None:
    emails = [f"user{i}@example.com" for i in range(8)]
    start = threading.Barrier(len(emails))
    results: list[team.TeamUser] = []
    errors: list[BaseException] = []

    def go(email: str) -> None:
        start.wait()
        try:
            results.append(team.sign_in(ctx, email, email))
        except BaseException as exc:  # reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=go, args=(e,)) for e in emails]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors and len(results) == len(emails)
    assert sum(r.became_admin for r in results) == 1
    with ctx.db.Session() as s:
        assert s.scalar(select(func.count()).where(User.is_admin)) == 1


def test_admin_and_managers_change_members_audited(ctx: Atelier, brands: tuple[str, str]) -> None:
    a, b = brands
    team.sign_in(ctx, ANA)  # admin
    member = team.add_member(ctx, ANA, BEN, a, "manager")
    assert (member.email, member.brand, member.role, member.is_admin) == (BEN, a, "manager", False)
    team.add_member(ctx, BEN, CLO, a, "viewer")  # a manager adds to their brand
    team.add_member(ctx, BEN, CLO, a, "editor")  # and changes a role
    team.add_member(ctx, BEN, CLO, a, "editor")  # the same role again changes nothing
    team.remove_member(ctx, BEN, CLO, a)
    assert _audit(ctx)[1:] == [
        (ANA, "member.add", BEN, {"role": "manager", "before": None}),
        (BEN, "member.add", CLO, {"role": "viewer", "before": None}),
        (BEN, "member.role", CLO, {"role": "editor", "before": "viewer"}),
        (BEN, "member.remove", CLO, {"role": "editor"}),
    ]
    with pytest.raises(NotFoundError, match="Brand 'Maison B' not found"):
        team.add_member(ctx, BEN, CLO, b, "viewer")  # not a member of B: B is not even told to exist
    assert [(m.email, m.brand, m.role) for m in team.list_members(ctx, BEN)] == [(BEN, a, "manager")]
    assert team.manageable_brands(ctx, BEN) == [a]
    everyone = team.list_members(ctx, ANA)
    expected = [(ANA, None, None), (CLO, None, None), (BEN, a, "manager")]
    assert [(m.email, m.brand, m.role) for m in everyone] == expected


def test_non_managers_cannot_change_or_list_members(ctx: Atelier, brands: tuple[str, str]) -> None:
    a, _ = brands
    team.sign_in(ctx, ANA)
    team.add_member(ctx, ANA, BEN, a, "editor")
    before = _counts(ctx)
    with pytest.raises(ForbiddenError, match="Only a manager of Maison A or an admin"):
        team.add_member(ctx, BEN, CLO, a, "viewer")
    with pytest.raises(ForbiddenError):
        team.remove_member(ctx, BEN, ANA, a)
    with pytest.raises(ForbiddenError, match="You need to be a manager"):
        team.list_members(ctx, BEN)
    with pytest.raises(ForbiddenError, match="Only an admin"):
        team.set_admin(ctx, BEN, BEN)
    with pytest.raises(NotFoundError):
        team.list_members(ctx, CLO, brand=a)  # a stranger
    assert _counts(ctx) == before
    assert team.manageable_brands(ctx, BEN) == []


@pytest.mark.parametrize(
    ("email", "role", "brand", "error"),
    [
        ("not-an-email", "viewer", "Maison A", InputError),
        ("a b@example.com", "viewer", "Maison A", InputError),
        ("ana@example.com\n", "viewer", "Maison A", None),  # trimmed: fine
        ("x@localhost", "viewer", "Maison A", InputError),
        ("a@b.c" + "c" * 400, "viewer", "Maison A", InputError),
        ("ben@example.com", "owner", "Maison A", InputError),
        ("ben@example.com", "Viewer", "Maison A", InputError),
        ("ben@example.com", "viewer", "Maison Z", NotFoundError),
    ],
)
def test_bad_input_is_refused_with_nothing_stored(
    ctx: Atelier, brands: tuple[str, str], email: str, role: str, brand: str, error: type[Exception] | None
) -> None:
    before = _counts(ctx)
    if error is None:
        assert team.add_member(ctx, team.LOCAL_USER, email, brand, role).email == ANA
        return
    with pytest.raises(error) as caught:
        team.add_member(ctx, team.LOCAL_USER, email, brand, role)
    assert "\n" not in str(caught.value)
    assert _counts(ctx) == before


def test_admins_and_the_last_admin(ctx: Atelier, brands: tuple[str, str]) -> None:
    team.sign_in(ctx, ANA)
    with pytest.raises(InputError, match="last admin"):
        team.set_admin(ctx, ANA, ANA, admin=False)
    assert team.set_admin(ctx, ANA, BEN).is_admin  # someone who has not signed in yet
    assert team.set_admin(ctx, BEN, ANA, admin=False).is_admin is False
    with pytest.raises(NotFoundError):
        team.set_admin(ctx, BEN, CLO, admin=False)
    assert _audit(ctx)[1:] == [(ANA, "admin.grant", BEN, {}), (BEN, "admin.revoke", ANA, {})]
    assert team.get_user(ctx, team.LOCAL_USER) == team.TeamUser("local", "Local user", is_admin=True)
    assert team.get_user(ctx, CLO) is None


def test_sign_in_refuses_an_identity_without_email(ctx: Atelier) -> None:
    with pytest.raises(InputError, match="is not an email address"):
        team.sign_in(ctx, "", "Nobody")
    assert _counts(ctx) == (0, 0, 0)
