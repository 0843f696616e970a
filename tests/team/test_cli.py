"""The CLI acts as --user, checked the same way as the app: roles, brands, budgets, approvals."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

from editing.context import Atelier
from tests.team.conftest import add_member
from tests.test_cli import ROOT


def _cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("OPENAI", "REPLICATE", "AWS", "S3_", "ATELIER"))
    }
    return subprocess.run([sys.executable, "-m", "editing", *args], capture_output=True, text=True,
                          env={**base, **env}, cwd=ROOT, timeout=300)  # fmt: skip


def test_cli_acts_as_user_with_their_roles_and_budgets(team: dict[str, Any]) -> None:
    ctx: Atelier = team["ctx"]
    env = team["env"]
    add_member(ctx, "boss@atelier.test", "Maison A", "manager")
    add_member(ctx, "eda@atelier.test", "Maison A", "editor")

    anonymous = _cli(env, "campaigns", "--json")
    assert anonymous.returncode == 4 and anonymous.stderr.strip() == (
        "error: tester is not a user of Atelier: act as one (--user EMAIL) "
        "or ask an admin to add you (Admin page)"
    )
    listed = json.loads(_cli(env, "--user", "eda@atelier.test", "campaigns", "--json").stdout)
    assert [c["name"] for c in listed] == ["Spring A"], "brand B is not visible"
    hidden = _cli(env, "--user", "eda@atelier.test", "scenes", team["b"], "--json")
    assert hidden.returncode == 3 and f"Campaign {team['b']} not found" in hidden.stderr

    refused = _cli(env, "--user", "eda@atelier.test", "budget", "set", "--brand", "Maison A", "--usd", "5")
    assert refused.returncode == 4 and "setting a budget needs the manager role" in refused.stderr
    set_ = _cli(env, "--user", "boss@atelier.test", "budget", "set", "--brand", "Maison A", "--usd", "0.05",
                "--monthly", "--json")  # fmt: skip
    assert set_.returncode == 0, set_.stderr
    assert json.loads(set_.stdout)["limit_usd"] == 0.05

    over = _cli(env, "--user", "eda@atelier.test", "edit", team["a"], "0", "add rose petals", "--method",
                "regenerate", "--json")  # fmt: skip
    assert over.returncode == 5 and "Over the monthly budget of brand Maison A: $0.05 left" in over.stderr
    shown = json.loads(_cli(env, "--user", "eda@atelier.test", "budget", "show", "--json").stdout)
    assert [(b["brand"], b["period"], b["spent_usd"], b["level"]) for b in shown] == [
        ("Maison A", "monthly", 0.0, "ok")
    ]
