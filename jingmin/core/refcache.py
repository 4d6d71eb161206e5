"""Reference rows kept per process: categories, units, the active classifier.

An appeal's submission reads the same few rarely-changed rows every time (its
category, the unit its point falls in, the active model); each read is a database
round trip and an ORM query to build, a good part of the submission's cost
(docs/decisions/141). A ``Reference`` keeps what its loader returns for
``seconds`` and drops it at once when this process saves or deletes a row of one
of its models (and again when that transaction commits, so a rolled-back change
is not kept); other processes see a change after at most ``seconds`` — the same
bound the jurisdiction index keeps (org.selectors.RECHECK_SECONDS).

What a loader returns is shared by every thread of the process: treat it as
read-only (assign a kept row to a foreign key, never save it).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from django.db import transaction
from django.db.models import Model
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")
SECONDS = 10.0
_every: list[Reference] = []


class Reference(Generic[T]):
    def __init__(
        self,
        load: Callable[[], T],
        *,
        models: list[type[Model]],
        seconds: float = SECONDS,
    ) -> None:
        self._load, self._seconds = load, seconds
        self._lock = threading.Lock()
        self._value: T | None = None
        self._loaded_at = -float("inf")
        _every.append(self)
        for model in models:
            post_save.connect(self._changed, sender=model, weak=False)
            post_delete.connect(self._changed, sender=model, weak=False)

    def get(self) -> T:
        with self._lock:
            if time.monotonic() - self._loaded_at > self._seconds:
                self._value = self._load()
                self._loaded_at = time.monotonic()
            return self._value  # type: ignore[return-value]

    def clear(self) -> None:
        with self._lock:
            self._loaded_at = -float("inf")

    def _changed(self, **_kwargs: object) -> None:
        self.clear()
        transaction.on_commit(self.clear)


def forget_all() -> None:
    """Drop every kept copy (tests do, as a rolled-back test saves nothing)."""
    for reference in _every:
        reference.clear()
