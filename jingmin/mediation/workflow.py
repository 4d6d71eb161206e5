"""The dispute state machine: action → (from states, to state). Services check here first.

registered → mediating → agreed | referred → (follow-ups) → closed; an agreed,
referred or closed dispute that flares up again is reopened and mediated anew.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from jingmin.accounts.roles import Role
from jingmin.core.exceptions import Conflict, NotPermitted

from .models import Dispute

S = Dispute.Status
STAFF = frozenset({Role.OFFICER, Role.LEADER, Role.SUPERVISOR})
IN_MEDIATION = frozenset({S.REGISTERED, S.MEDIATING, S.REOPENED})


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str | None  # None: the status does not change
    roles: frozenset[str] = STAFF


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition("session", IN_MEDIATION, S.MEDIATING),
        Transition("agree", IN_MEDIATION, S.AGREED),
        Transition("refer", IN_MEDIATION, S.REFERRED),
        Transition("close", frozenset({S.AGREED, S.REFERRED}), S.CLOSED),
        Transition("reopen", frozenset({S.AGREED, S.REFERRED, S.CLOSED}), S.REOPENED),
        Transition("edit", frozenset(S) - {S.CLOSED}, None),
        Transition("grade", frozenset(S) - {S.CLOSED}, None),
        Transition("followup", frozenset({S.AGREED, S.REFERRED}), None),
        Transition("escalate", frozenset(S), None),
    ]
}


def allowed(dispute: Dispute, action: str) -> bool:
    return dispute.status in TRANSITIONS[action].sources


def check(dispute: Dispute, action: str, actor: Any = None) -> str:
    """The status after ``action``; Conflict if the dispute's status does not allow it,
    NotPermitted if the actor's role may not (``actor`` None: the system, e.g. imports)."""
    t = TRANSITIONS[action]
    if actor is not None and getattr(actor, "role", "") not in t.roles:
        raise NotPermitted(_("您的角色不能办理纠纷"))
    if dispute.status not in t.sources:
        raise Conflict(
            _("纠纷 %(number)s 当前状态为“%(status)s”，不能进行此操作")
            % {"number": dispute, "status": dispute.get_status_display()},
            code="bad_state",
        )
    return t.target or dispute.status
