"""Settings of the mediation app, each overridable in Django settings as MEDIATION_<NAME>."""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    # repeat parties / address: look back this many days
    "WINDOW_DAYS": 90,
    # disputes + appeals about the same parties (or address) that raise a warning
    "REPEAT_THRESHOLD": 3,
    # a red dispute with no mediation session for this many days raises a warning
    "RED_IDLE_DAYS": 3,
    # same type and a shared party within this many days = probable duplicate
    "DUPLICATE_DAYS": 30,
    # a failed first public-order mediation may have one more session within N working days
    "SECOND_SESSION_WORKING_DAYS": 7,
    # a mediator's report (人民调解法 art. 25) is graded at least this level
    "REPORT_MIN_LEVEL": "orange",
    # the warnings job repeats itself this often under `jingmin worker`
    "PERIODIC_SECONDS": 3600,
}


def get(name: str) -> Any:
    return getattr(settings, f"MEDIATION_{name}", DEFAULTS[name])
