"""`python -m editing users …` as an admin scripts it: the CLI's main() in this process (one
subprocess each would cost ~5 s), the real database; exit codes and stdout/stderr as a shell sees them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from editing.cli import main
from editing.config import ENV_FIELDS, load_settings
from editing.context import Atelier
from editing.db.models import AuditEntry, Brand, Membership
from tests.conftest import FAST_ENV


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def cli(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Any:
    for var in ENV_FIELDS:
        monkeypatch.delenv(var, raising=False)
    for k, v in {
        **FAST_ENV,
        "ATELIER_DATA_DIR": str(tmp_path / "data"),
        "DATABASE_URL": database_url,
    }.items():
        monkeypatch.setenv(k, v)

    def run(*args: str, ok: bool = True) -> Run:
        capsys.readouterr()
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's own refusals
            code = int(exc.code or 0)
        out, err = capsys.readouterr()
        if ok:
            assert code == 0, err
        return Run(code, out, err)

    return run


def _open(database_url: str, tmp_path: Any) -> Atelier:
    return Atelier.open(
        load_settings(env={**FAST_ENV, "ATELIER_DATA_DIR": str(tmp_path), "DATABASE_URL": database_url})
    )


def test_users_add_list_remove(cli: Any, database_url: str, tmp_path: Any) -> None:
    ctx = _open(database_url, tmp_path / "check")
    try:
        with ctx.db.Session.begin() as s:
            s.add_all([Brand(name="Maison A"), Brand(name="Maison B")])
        added = json.loads(
            cli(
                "users", "add", "Ben@Example.com", "--brand", "Maison A", "--role", "manager", "--json"
            ).stdout
        )
        assert (added["email"], added["brand"], added["role"]) == ("ben@example.com", "Maison A", "manager")
        # the manager acts with --user: in their brand only
        line = cli(
            "--user",
            "ben@example.com",
            "users",
            "add",
            "clo@example.com",
            "--brand",
            "Maison A",
            "--role",
            "viewer",
        )
        assert line.stdout.strip() == "clo@example.com is viewer of Maison A"
        refused = cli("--user", "clo@example.com", "users", "add", "dan@example.com", "--brand", "Maison A",
                      "--role", "editor", ok=False)  # fmt: skip
        assert refused.returncode == 4 and refused.stderr.startswith("error: Only a manager of Maison A")
        assert len(refused.stderr.strip().splitlines()) == 1
        hidden = cli("--user", "ben@example.com", "users", "list", "--brand", "Maison B", "--json", ok=False)
        assert hidden.returncode == 3 and "not found" in hidden.stderr
        bad = cli("--user", "ben@example.com", "users", "add", "not-an-email", "--brand", "Maison A",
                  "--role", "viewer", ok=False)  # fmt: skip
        assert bad.returncode == 2 and bad.stderr == "error: 'not-an-email' is not an email address\n"
        role = cli("users", "add", "dan@example.com", "--brand", "Maison A", "--role", "owner", ok=False)
        assert role.returncode == 2 and "invalid choice: 'owner'" in role.stderr

        listed = json.loads(cli("--user", "ben@example.com", "users", "list", "--json").stdout)
        assert [(m["email"], m["role"]) for m in listed] == [
            ("ben@example.com", "manager"),
            ("clo@example.com", "viewer"),
        ]
        cli("--user", "ben@example.com", "users", "remove", "clo@example.com", "--brand", "Maison A")
        gone = cli("--user", "ben@example.com", "users", "remove", "clo@example.com", "--brand", "Maison A",
                   ok=False)  # fmt: skip
        assert gone.returncode == 3 and gone.stderr == "error: clo@example.com is not a member of Maison A\n"
        # once there are users, the local user is nobody: the CLI must say who acts
        anonymous = cli("users", "admin", "ben@example.com", ok=False)
        assert anonymous.returncode == 4 and "local is not a user of Atelier" in anonymous.stderr
        not_admin = cli("--user", "ben@example.com", "users", "admin", "ben@example.com", ok=False)
        assert not_admin.returncode == 4
        with ctx.db.Session() as s:
            assert s.scalars(select(Membership.email)).all() == ["ben@example.com"]
            actions = s.execute(select(AuditEntry.actor, AuditEntry.action).order_by(AuditEntry.id)).all()
        assert [tuple(a) for a in actions] == [
            ("local", "member.add"),
            ("ben@example.com", "member.add"),
            ("ben@example.com", "member.remove"),
        ]
    finally:
        ctx.close()
