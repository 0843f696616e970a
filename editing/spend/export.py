"""CSV of any view: the header is the record's field names, one line per record.

The Costs and Audit pages' download buttons and ``python -m editing costs|audit --csv`` call
the same function, so a file from either holds the same text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import fields
from typing import Any

#: A cell a spreadsheet would run as a formula (OWASP "CSV injection").
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """One value as written: None empty, text that would start a formula quoted with a leading '."""
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + value if value.startswith(_FORMULA) else value
    return str(value)


def to_csv(records: Sequence[Any], record_type: type[Any]) -> str:
    """``records`` (frozen dataclasses of ``record_type``) as CSV text with a header line."""
    names = [f.name for f in fields(record_type)]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(names)
    for record in records:
        writer.writerow([cell(getattr(record, name)) for name in names])
    return out.getvalue()
