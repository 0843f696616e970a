"""Streamlit's own protections stay on, and the upload cap is the documented import cap."""

from __future__ import annotations

import tomllib
from pathlib import Path

from editing.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_server_protections_are_on() -> None:
    server = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]
    assert server["enableXsrfProtection"] is True
    assert server["enableCORS"] is True  # no cross-origin access to the server
    assert "corsAllowedOrigins" not in server


def test_upload_cap_matches_the_import_cap() -> None:
    server = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())["server"]
    assert server["maxUploadSize"] == Settings().import_max_mb
    readme = (ROOT / "README.md").read_text()
    assert f"`ATELIER_IMPORT_MAX_MB` | `{Settings().import_max_mb}`" in readme
