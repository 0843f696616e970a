"""The code base stays ruff-clean, formatted and mypy-clean, and editing/ never imports streamlit."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True)


def test_ruff_clean() -> None:
    proc = _run("ruff", "check", ".")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff_formatted() -> None:
    proc = _run("ruff", "format", "--check", ".")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_mypy_clean() -> None:
    """editing/, pages/ and app.py type-check under mypy --strict (settings in pyproject.toml)."""
    proc = _run("mypy", "--no-incremental")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_domain_is_free_of_the_ui() -> None:
    pattern = re.compile(r"^\s*(import streamlit|from streamlit)", re.M)
    offenders = [str(p) for p in (ROOT / "editing").rglob("*.py") if pattern.search(p.read_text())]
    assert offenders == []
