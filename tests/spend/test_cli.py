"""`python -m editing costs|audit`: the Costs and Audit pages' views as text, JSON and the same CSV."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from editing import spend
from editing.cli import main
from editing.context import Atelier
from tests.conftest import FAST_ENV, point_env
from tests.spend.shop import DAY, Shop

ROOT = Path(__file__).resolve().parents[2]
Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(shop: Shop, tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: Any) -> Run:
    """The CLI in this process, on the shop's database (a real subprocess is tested once below)."""
    point_env(monkeypatch, tmp_path / "data", database_url)
    shop.edit("Spring", cost=Decimal("0.1452"), cost_breakdown={"prompt": 0.0012, "video": 0.144})
    shop.edit("Noir", user_name="zoe", status="failed", cost=Decimal("0.02"), edit_prompt="@SUM(A1)")
    shop.preview("Winter")
    shop.budget("Spring", "5")
    shop.audit("Spring", "budget.set", usd=5.0)

    def invoke(*argv: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(list(argv))
        out = capsys.readouterr()
        return code, out.out, out.err

    return invoke


def test_costs_csv_is_the_pages_download(ctx: Atelier, run: Run) -> None:
    code, out, _ = run("costs", "--csv")
    assert code == 0 and out == spend.to_csv(spend.breakdown(ctx, spend.Dimension.CAMPAIGN), spend.Slice)
    _, by_day, _ = run("costs", "--by", "day", "--csv", "--since", str(DAY.date()))
    assert by_day == spend.to_csv(
        spend.breakdown(ctx, spend.Dimension.DAY, period=spend.Period(DAY.date())), spend.Slice
    )
    _, top, _ = run("costs", "--top", "50", "--csv")
    assert top == spend.to_csv(spend.most_expensive(ctx, limit=50), spend.EditLine)
    assert "'@SUM(A1)" in top  # a formula is written as text
    _, edits, _ = run("costs", "--edits", "user", "zoe", "--csv")
    assert edits.count("\n") == 2 and ",zoe," in edits
    _, audit, _ = run("audit", "--csv", "--action", "budget.set")
    assert audit == spend.to_csv(spend.audit(ctx, action="budget.set"), spend.AuditLine)
    _, budgets, _ = run("costs", "--budgets", "--csv")
    assert budgets.splitlines()[0] == ",".join(spend.BudgetSpend.__dataclass_fields__)


def test_costs_json_and_text(run: Run) -> None:
    _, out, _ = run("costs", "--json")  # the per-campaign summary, as before the dashboard
    assert json.loads(out)["total_edits"] == 1
    _, out, _ = run("costs", "--kpis", "--json")
    kpis = json.loads(out)
    assert (kpis["edits"], kpis["failed"], kpis["previews"], kpis["failed_spend"]) == (2, 1, 1, 0.02)
    _, out, _ = run("costs", "--by", "user", "--json")
    assert {s["label"]: s["edits"] for s in json.loads(out)} == {"ann": 1, "zoe": 1, "bob": 0}
    _, out, _ = run("costs", "--burn-down")
    assert "Maison A monthly" in out
    _, out, _ = run("audit", "--actor", "zoe")
    assert "zoe  edit" in out and "@SUM(A1)" in out
    _, out, _ = run("--brand", "Maison B", "costs", "--by", "brand", "--json")
    assert [s["label"] for s in json.loads(out)] == ["Maison B"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (("costs", "--by", "colour"), "Unknown dimension 'colour'; one of: day, brand"),
        (("costs", "--since", "01/11/2026"), "Bad --since"),
        (("costs", "--since", "2026-12-01", "--until", "2026-11-01"), "starts (2026-12-01) after it ends"),
        (("costs", "--edits", "day", "monday"), "Bad day 'monday'"),
        (("costs", "--csv", "--json"), "--csv or --json, not both"),
    ],
)
def test_bad_input_is_one_line(run: Run, argv: tuple[str, ...], message: str) -> None:
    code, out, err = run(*argv)
    assert code != 0 and out == "" and message in err and err.count("\n") == 1


def test_as_a_user_scripts_it(ctx: Atelier, run: Run, database_url: str, tmp_path: Path) -> None:
    """One real `python -m editing costs --csv`, as a cron job would run it."""
    env = {**FAST_ENV, "ATELIER_DATA_DIR": str(tmp_path / "data"), "DATABASE_URL": database_url, "PATH": ""}
    proc = subprocess.run([sys.executable, "-m", "editing", "costs", "--csv"], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=120)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == spend.to_csv(spend.breakdown(ctx, spend.Dimension.CAMPAIGN), spend.Slice)
