"""Real worker processes for the job tests: `python -m editing worker`, killed for real."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from editing.config import ENV_FIELDS
from editing.context import Atelier
from editing.db.models import EditHistory

ROOT = Path(__file__).resolve().parents[2]


def process_env(settings_env: dict[str, str]) -> dict[str, str]:
    """The environment of a worker: this one without provider settings, plus ``settings_env``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ENV_FIELDS and not k.startswith(("AWS_", "OPENAI", "REPLICATE"))
    }
    env.update(settings_env)
    env["ATELIER_WORKERS"] = "external"
    return env


class WorkerProcess:
    """One `python -m editing worker` process, logging to a file."""

    def __init__(self, env: dict[str, str], log: Path, *, concurrency: int = 4) -> None:
        self.log = log
        self._out = log.open("ab")
        cmd = [sys.executable, "-m", "editing", "worker", "--concurrency", str(concurrency)]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self._out, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 60) -> WorkerProcess:
        deadline = time.monotonic() + timeout
        while "up to" not in self.log.read_text(errors="replace"):
            if self.proc.poll() is not None:
                raise RuntimeError(f"the worker exited: {self.log.read_text(errors='replace')[-2000:]}")
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"the worker did not start: {self.log.read_text(errors='replace')[-2000:]}"
                )
            time.sleep(0.1)
        return self

    def kill(self) -> None:
        """kill -9: no clean-up of any kind."""
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        self._out.close()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)
        self._out.close()


def row(ctx: Atelier, edit_id: str) -> EditHistory:
    with ctx.db.Session() as session:
        found = session.get(EditHistory, edit_id)
        assert found is not None
        return found


def wait_until(check: Callable[[], Any], timeout: float, poll: float = 0.02, what: str = "") -> Any:
    """Poll ``check`` until it returns something truthy; returns it."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what or check}")
        time.sleep(poll)
