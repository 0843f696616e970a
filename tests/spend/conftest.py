"""A shop of three campaigns in two brands, for the spend tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from editing.context import Atelier
from tests.spend.shop import Shop


@pytest.fixture
def shop(ctx: Atelier) -> Iterator[Shop]:
    s = Shop(ctx)
    s.campaign("Maison A", "Spring")
    s.campaign("Maison A", "Winter", roles=("detail", "lifestyle"))
    s.campaign("Maison B", "Noir")
    yield s
