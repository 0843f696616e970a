"""Leases: a running edit is alive exactly as long as its process's lease connection is.

Each process that runs edits keeps one dedicated PostgreSQL connection and holds a
session-level advisory lock on each running edit's ``lease_key``. When the process dies
(kill -9, OOM, a lost machine: TCP keepalives notice), PostgreSQL ends the session and
the locks go with it, at once; the sweeper (:mod:`editing.jobs.sweeper`) then finds a
running edit whose lock nobody holds and closes or resumes it. An edit a live process
still runs always has its lock held, so it is never closed.
"""

from __future__ import annotations

import logging
import secrets
import threading

import psycopg
import psycopg.conninfo

from editing.errors import LeaseLost

log = logging.getLogger(__name__)

#: Notice a peer that vanished without closing its socket within about half a minute.
KEEPALIVES = "keepalives=1 keepalives_idle=10 keepalives_interval=5 keepalives_count=3"


def new_lease_key() -> int:
    """A random advisory-lock key (62 bits, so it never collides with the app's fixed lock ids)."""
    return secrets.randbits(62) | (1 << 61)


class Leases:
    """The advisory locks one process holds for the edits it runs, on one dedicated connection."""

    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._conn: psycopg.Connection | None = None
        self._held: set[int] = set()
        self._lock = threading.Lock()

    def _connection(self) -> psycopg.Connection:
        if self._conn is None or self._conn.closed:
            self._held.clear()  # locks of a session that ended are gone with it
            conninfo = psycopg.conninfo.make_conninfo(self._conninfo, application_name="atelier-lease")
            self._conn = psycopg.connect(f"{conninfo} {KEEPALIVES}", autocommit=True)
        return self._conn

    def acquire(self, key: int) -> None:
        """Hold the lease ``key`` until :meth:`release`.

        Raises:
            LeaseLost: the database cannot be reached, or another session holds ``key``.
        """
        with self._lock:
            for attempt in (1, 2):  # a session the server cut (a restart) is replaced once
                try:
                    got = self._connection().execute("SELECT pg_try_advisory_lock(%s)", (key,)).fetchone()
                    break
                except psycopg.Error as exc:
                    self._drop()
                    if attempt == 2:
                        raise LeaseLost(f"cannot take an edit lease: {exc}".splitlines()[0]) from exc
            if not got or not got[0]:
                raise LeaseLost("another process holds this edit's lease")
            self._held.add(key)

    def release(self, key: int) -> None:
        with self._lock:
            self._held.discard(key)
            if self._conn is None or self._conn.closed:
                return
            try:
                self._conn.execute("SELECT pg_advisory_unlock(%s)", (key,))
            except psycopg.Error as exc:
                log.warning("could not release edit lease %s: %s", key, exc)
                self._drop()

    def check(self, key: int) -> None:
        """Raise LeaseLost unless this process still holds ``key`` (its session is alive)."""
        with self._lock:
            if key not in self._held or self._conn is None or self._conn.closed:
                raise LeaseLost("this edit's lease was lost")
            try:
                self._conn.execute("SELECT 1")
            except psycopg.Error as exc:
                self._drop()
                raise LeaseLost("this edit's lease was lost with its database connection") from exc

    def _drop(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            finally:
                self._conn = None
        self._held.clear()

    def close(self) -> None:
        with self._lock:
            self._drop()
