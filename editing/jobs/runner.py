"""Procrastinate on Atelier's own database: the edit task, deferring it, and the workers that run it.

A worker is a Procrastinate worker (LISTEN/NOTIFY for new jobs, heartbeats) that runs up
to ``concurrency`` edits at once on threads, plus the sweeper (:mod:`editing.jobs.sweeper`)
on the same event loop. It runs in its own process (``python -m editing worker``,
ATELIER_WORKERS=external) or as a thread of the app or CLI process (inline, the default).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import procrastinate
from procrastinate import JobContext
from sqlalchemy.orm import Session

from editing.context import Atelier
from editing.errors import AtelierError

log = logging.getLogger(__name__)

QUEUE = "edits"
TASK = "atelier:edit_scene"
#: A new campaign's jobs: one per scene, then one that renders its finals.
CREATE_SCENE_TASK, FINISH_CAMPAIGN_TASK = "atelier:create_scene", "atelier:finish_campaign"
CREATE_TASKS = (CREATE_SCENE_TASK, FINISH_CAMPAIGN_TASK)


def _edit_scene_task(context: JobContext, /, **kwargs: Any) -> None:
    """Run the edit a job carries (its row says everything; the seed's arguments ride along)."""
    ctx: Atelier = context.additional_context["ctx"]
    from editing.jobs.tasks import edit_scene_job

    try:
        edit_scene_job(**kwargs, ctx=ctx)
    except AtelierError as exc:  # the edit ended and its row says how: the job itself did its work
        log.info("edit %s failed: %s", kwargs.get("edit_id"), exc)


def _create_task(context: JobContext, /, **kwargs: Any) -> None:
    """Generate one scene of a new campaign, or finish it (:mod:`editing.create.jobs`)."""
    from editing.create import jobs

    ctx: Atelier = context.additional_context["ctx"]
    jobs.run_task(ctx, context.job.task_name, **kwargs)


def _app(connector: Any) -> procrastinate.App:
    app = procrastinate.App(connector=connector)
    app.task(name=TASK, queue=QUEUE, pass_context=True)(_edit_scene_task)
    for name in CREATE_TASKS:
        app.task(name=name, queue=QUEUE, pass_context=True)(_create_task)
    return app


#: Never opened: it only writes a job row on a connection its caller holds, in its transaction.
_DEFERRER = _app(procrastinate.SyncPsycopgConnector())


def defer_edit(session: Session, edit_id: uuid.UUID, *, priority: int = 0, **seed_args: Any) -> int:
    """Enqueue the job of edit ``edit_id`` in ``session``'s transaction; returns the job id.

    Jobs of higher ``priority`` are taken first (a quick adjust before a regeneration).
    """
    connection = session.connection().connection.driver_connection
    deferrer = _DEFERRER.configure_task(TASK, connection=connection, priority=priority)
    return int(deferrer.defer(edit_id=str(edit_id), **seed_args))


def defer(session: Session, task: str, *, priority: int = 0, **kwargs: Any) -> int:
    """Enqueue a job of ``task`` in ``session``'s transaction; returns the job id."""
    connection = session.connection().connection.driver_connection
    deferrer = _DEFERRER.configure_task(task, connection=connection, priority=priority)
    return int(deferrer.defer(**kwargs))


class Worker:
    """Runs edit jobs (and sweeps dead ones) until stopped."""

    def __init__(self, ctx: Atelier, *, concurrency: int | None = None, name: str | None = None) -> None:
        self.ctx = ctx
        self.concurrency = concurrency or ctx.settings.worker_concurrency
        self.name = name or f"{socket.gethostname()}:{os.getpid()}"
        self._loop: asyncio.AbstractEventLoop | None = None
        self._main: asyncio.Task[None] | None = None
        self._thread: threading.Thread | None = None
        self.started = threading.Event()

    async def run_async(self, *, install_signal_handlers: bool = True) -> None:
        """Run until cancelled (or, with signal handlers, until SIGINT / SIGTERM)."""
        from editing.jobs.sweeper import sweep_forever

        loop = asyncio.get_running_loop()
        # Sync tasks run on the loop's default executor: one thread per concurrent edit.
        loop.set_default_executor(ThreadPoolExecutor(self.concurrency + 2, thread_name_prefix="atelier-edit"))
        connector = procrastinate.PsycopgConnector(conninfo=self.ctx.db.conninfo, min_size=1, max_size=6)
        app = _app(connector)
        async with app.open_async():
            sweeper = asyncio.create_task(sweep_forever(self.ctx), name="atelier-sweeper")
            self.started.set()
            log.info("worker %s: up to %d edits at once", self.name, self.concurrency)
            try:
                await app.run_worker_async(
                    queues=[QUEUE],
                    name=self.name,
                    concurrency=self.concurrency,
                    additional_context={"ctx": self.ctx},
                    install_signal_handlers=install_signal_handlers,
                    update_heartbeat_interval=2.0,
                    stalled_worker_timeout=10.0,
                    fetch_job_polling_interval=2.0,
                    delete_jobs="successful",
                )
            finally:
                sweeper.cancel()

    def run(self) -> None:
        """Run in this process's main thread (``python -m editing worker``)."""
        asyncio.run(self.run_async(install_signal_handlers=True))

    def start_thread(self) -> threading.Thread:
        """Run on a daemon thread of this process (inline mode); returns once the worker is up."""

        def main() -> None:
            async def body() -> None:
                self._loop = asyncio.get_running_loop()
                self._main = asyncio.current_task()
                await self.run_async(install_signal_handlers=False)

            try:
                asyncio.run(body())
            except asyncio.CancelledError:
                pass
            except Exception:
                log.exception("the inline edit worker stopped")

        self._thread = threading.Thread(target=main, name="atelier-worker", daemon=True)
        self._thread.start()
        self.started.wait(timeout=30)
        return self._thread

    def stop(self, timeout: float = 30.0) -> None:
        """Stop a worker started with :meth:`start_thread` and wait for its thread to end."""
        if self._loop is not None and self._main is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._main.cancel)
        if self._thread is not None:
            self._thread.join(timeout)


_default: Atelier | None = None
_default_lock = threading.Lock()


def default_context() -> Atelier:
    """A process-wide Atelier for callers that bring none (the seed's ``enqueue_job`` form)."""
    global _default
    with _default_lock:
        if _default is None:
            _default = Atelier.open()
        return _default
