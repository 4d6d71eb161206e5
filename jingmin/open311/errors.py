"""Open311 errors: a list of (code, description), answered with the spec's HTTP status.

The spec fixes only three statuses: 404 for a missing resource, 403 for a missing or
bad api_key, 400 for everything else. ``code`` may be more specific than the status
(we use 413 and 415 inside a 400), so clients can still tell the cases apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ErrorItem:
    code: int
    description: Any

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "description": str(self.description)}


class Open311Error(Exception):
    """Raised by parsing and services; the view renders it in the URL's format."""

    def __init__(self, status: int, *errors: ErrorItem, headers: dict | None = None):
        super().__init__(", ".join(str(e.description) for e in errors))
        self.status = status
        self.errors = list(errors)
        self.headers = headers or {}

    @classmethod
    def one(
        cls, status: int, description: Any, code: int | None = None
    ) -> Open311Error:
        return cls(status, ErrorItem(code or status, description))

    def as_list(self) -> list[dict[str, Any]]:
        return [e.as_dict() for e in self.errors]


def bad_request(description: Any, code: int = 400) -> Open311Error:
    return Open311Error.one(400, description, code)


def not_found(description: Any) -> Open311Error:
    return Open311Error.one(404, description)


def forbidden(description: Any) -> Open311Error:
    return Open311Error.one(403, description)
