"""The Settings page's and `check`'s view of the providers."""

from __future__ import annotations

from typing import Any

from editing import health
from editing.context import Atelier
from editing.domain import HealthCheck


def test_offline_install_is_healthy(ctx: Atelier) -> None:
    rows = health.check_all(ctx)
    assert all(isinstance(r, HealthCheck) for r in rows)
    assert [(r.kind, r.provider, r.ok) for r in rows] == [
        ("database", "postgresql", True),
        ("storage", "local", True),
        ("prompt editor", "offline", True),
        ("video generator", "offline", True),
    ]
    assert "PostgreSQL" in rows[0].detail
    assert all(r.latency_ms >= 0 for r in rows)


def test_a_failing_provider_is_reported_not_raised(make_settings: Any) -> None:
    ctx = Atelier.open(make_settings(S3_BUCKET_NAME="atelier-missing", AWS_ENDPOINT_URL="http://127.0.0.1:9"))
    try:
        rows = {r.kind: r for r in health.check_all(ctx)}
        assert not rows["storage"].ok and "atelier-missing" in rows["storage"].detail
        assert "\n" not in rows["storage"].detail
        assert rows["database"].ok
    finally:
        ctx.close()
