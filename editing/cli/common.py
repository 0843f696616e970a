"""What every command shares: output, the one-line error parser, parsing a scene index."""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any, NoReturn

from editing.errors import InputError


def out(obj: Any) -> None:
    """Print JSON (the seed's records as dicts)."""
    sys.stdout.write(json.dumps(obj, indent=2, default=str, ensure_ascii=False) + "\n")


def line(text: str) -> None:
    sys.stdout.write(text + "\n")


def say(text: str) -> None:
    """Progress and notes for people, on stderr (stdout stays machine-readable)."""
    sys.stderr.write(text + "\n")


class Parser(argparse.ArgumentParser):
    """argparse whose errors are one line, like every other error of the CLI."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"error: {message} (see --help)\n")
        raise SystemExit(2)


_INDEX = re.compile(r"[0-9]{1,4}")


def scene_index(text: str) -> int:
    """A scene index as typed: plain ASCII decimal digits only (no sign, space, '_' or other digits).

    Raises:
        InputError: anything else ('+1', ' 1', '0_1', '١').
    """
    if not _INDEX.fullmatch(text):
        raise InputError(f"Scene index must be a plain number like 0 or 3, not {text!r}")
    return int(text)


def variation_of(args: argparse.Namespace) -> int | None:
    """``--variation N`` as typed (plain digits), or None when absent (the selected variation).

    Raises:
        InputError: anything but a plain number.
    """
    text = getattr(args, "variation", None)
    if text is None:
        return None
    if not _INDEX.fullmatch(text):
        raise InputError(f"--variation must be a plain number like 0 or 1, not {text!r}")
    return int(text)


def add_variation(parser: argparse.ArgumentParser) -> None:
    """The ``--variation N`` option (default: the campaign's selected variation)."""
    parser.add_argument("--variation", metavar="N", help="act on variation N (default: the selected one)")
