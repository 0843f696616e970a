"""The code base stays ruff-clean and editing/ never imports streamlit."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ruff_clean() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "."], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_domain_is_free_of_the_ui() -> None:
    pattern = re.compile(r"^\s*(import streamlit|from streamlit)", re.M)
    offenders = [str(p) for p in (ROOT / "editing").rglob("*.py") if pattern.search(p.read_text())]
    assert offenders == []
