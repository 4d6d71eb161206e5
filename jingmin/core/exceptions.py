"""Domain errors carry a stable code and a translatable message.

Views, the API and the CLI all turn a DomainError into the same user-facing text,
so a rule is explained the same way wherever it is broken.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "invalid"
    status = 400

    def __init__(
        self,
        message: Any,
        *,
        code: str | None = None,
        field: str | None = None,
        **params: Any,
    ):
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.field = field
        self.params = params

    def __str__(self) -> str:
        return str(self.message)


class NotPermitted(DomainError):
    code = "forbidden"
    status = 403


class NotFound(DomainError):
    code = "not_found"
    status = 404


class Conflict(DomainError):
    code = "conflict"
    status = 409


class ImportFailed(DomainError):
    """An import refused as a whole; ``errors`` lists (record, field, message)."""

    code = "import_failed"

    def __init__(self, message: Any, errors: list[tuple[str, str, str]]):
        super().__init__(message)
        self.errors = errors

    def __str__(self) -> str:
        lines = [str(self.message)] + [
            f"  {rec}: {field}: {msg}" for rec, field, msg in self.errors[:50]
        ]
        if len(self.errors) > 50:
            lines.append(f"  … (+{len(self.errors) - 50})")
        return "\n".join(lines)
