"""CSV/spreadsheet formula injection guard (OWASP "CSV Injection"; ASVS 5.0 1.2.10).

A cell that a spreadsheet would read as a formula (it starts with = + - @, a tab
or a carriage return, or their full-width forms) is prefixed with an apostrophe,
which Excel and WPS display as text. Numbers stay numbers. Use ``safe_writer``
(or ``safe_cell`` per value) for every export that can contain text someone typed.
"""

from __future__ import annotations

import csv
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def safe_cell(value: Any) -> Any:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_START):
        return "'" + text
    return text


def safe_row(values: Any) -> list[Any]:
    return [safe_cell(v) for v in values]


class _SafeWriter:
    def __init__(self, fh: Any, **kwargs: Any):
        self._writer = csv.writer(fh, **kwargs)

    def writerow(self, row: Any) -> Any:
        return self._writer.writerow(safe_row(row))

    def writerows(self, rows: Any) -> None:
        for row in rows:
            self.writerow(row)


def safe_writer(fh: Any, **kwargs: Any) -> _SafeWriter:
    """A csv.writer whose every cell goes through ``safe_cell``."""
    return _SafeWriter(fh, **kwargs)
