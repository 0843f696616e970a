"""Leases: advisory locks on one dedicated connection, gone the moment its session is."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from editing.context import Atelier
from editing.errors import LeaseLost
from editing.jobs.lease import Leases, new_lease_key


def _held_elsewhere(ctx: Atelier, key: int) -> bool:
    """Whether some session holds ``key`` (tried from a separate session, released at once)."""
    with ctx.db.Session.begin() as s:
        return not s.scalar(text("SELECT pg_try_advisory_xact_lock(:k)"), {"k": key})


def test_acquire_check_release(ctx: Atelier) -> None:
    key = new_lease_key()
    leases = Leases(ctx.db.conninfo)
    leases.acquire(key)
    assert _held_elsewhere(ctx, key)
    leases.check(key)
    other = Leases(ctx.db.conninfo)
    with pytest.raises(LeaseLost, match="another process holds"):
        other.acquire(key)
    leases.release(key)
    assert not _held_elsewhere(ctx, key)
    with pytest.raises(LeaseLost):
        leases.check(key)
    other.close()
    leases.close()


def test_a_cut_session_loses_its_leases_and_the_next_one_reconnects(ctx: Atelier) -> None:
    key, later = new_lease_key(), new_lease_key()
    leases = Leases(ctx.db.conninfo)
    leases.acquire(key)
    with ctx.db.Session.begin() as s:  # what a database restart or a dead network does to the session
        cut = (
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'atelier-lease'"
        )
        s.execute(text(cut))
    assert not _held_elsewhere(ctx, key)  # the lock went with the session, at once
    with pytest.raises(LeaseLost):
        leases.check(key)
    leases.acquire(later)  # a new session for the next edit
    assert _held_elsewhere(ctx, later)
    leases.close()
    assert not _held_elsewhere(ctx, later)
