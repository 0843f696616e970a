"""The rules of a request, in one place: what an instruction and a scene index may be."""

from __future__ import annotations

import pytest

from editing.domain import MAX_INSTRUCTION_CHARS, Instruction, edit_history_summary, validate_scene_index
from editing.errors import InputError


def test_instruction_is_cleaned_once() -> None:
    assert Instruction.parse("  make it brighter \n").text == "make it brighter"
    # NFC: a decomposed accent is stored composed
    assert Instruction.parse("plus lumine\u0301").text == "plus luminé"
    # zero-width, bidi and other control characters are dropped; line breaks and tabs stay
    assert (
        Instruction.parse("warm\u200ber\u202e\x00\x07 and\tslower\nplease").text
        == "warmer and\tslower\nplease"
    )
    parsed = Instruction.parse("slow motion")
    assert Instruction.parse(parsed) is parsed and str(parsed) == "slow motion"


@pytest.mark.parametrize(
    ("raw", "message"),
    [("", "cannot be empty"), (" \t\n", "cannot be empty"), ("\u200b\u200e", "cannot be empty"),
     (None, "cannot be empty"), ("x" * (MAX_INSTRUCTION_CHARS + 1), f"limit is {MAX_INSTRUCTION_CHARS}")],
)  # fmt: skip
def test_bad_instructions(raw: str | None, message: str) -> None:
    with pytest.raises(InputError, match=message) as exc:
        Instruction.parse(raw)
    assert "\n" not in str(exc.value)


def test_the_limit_itself_is_accepted() -> None:
    assert len(Instruction.parse("x" * MAX_INSTRUCTION_CHARS).text) == MAX_INSTRUCTION_CHARS


@pytest.mark.parametrize("index", [-1, 3, True, 1.0, "1"])
def test_scene_index_out_of_range_or_not_an_int(index: object) -> None:
    with pytest.raises(InputError):
        validate_scene_index(index, 3)  # type: ignore[arg-type]
    assert validate_scene_index(2, 3) == 2


def test_edit_history_summary_counts_every_cent() -> None:
    from editing.domain import EditHistoryRecord

    done = EditHistoryRecord("a", "2026-11-30T10:00:00Z", 0, "brighter", "Brighter.", 0.2, 3)
    failed = EditHistoryRecord("b", "2026-11-30T10:01:00Z", 0, "warmer", None, 0.05, 1, status="failed")
    summary = edit_history_summary([done, failed])
    assert summary["edit_count"] == 1 and [e["edit_id"] for e in summary["edits"]] == ["a"]
    assert summary["total_edit_cost"] == pytest.approx(0.25)
