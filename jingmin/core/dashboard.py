"""Cards on the staff console's front page.

Apps register a provider ``(user) -> list[Card]`` in their AppConfig.ready so the
console shows each app's counts without the portal importing every app.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass
class Card:
    title: str
    value: Any
    url: str = ""
    note: str = ""
    alert: bool = False


_providers: list[Callable[[Any], list[Card]]] = []


def register_cards(provider: Callable[[Any], list[Card]]) -> None:
    if provider not in _providers:
        _providers.append(provider)


def console_cards(user: Any) -> list[Card]:
    cards: list[Card] = []
    for provider in _providers:
        cards.extend(provider(user))
    return cards
