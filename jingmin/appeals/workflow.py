"""The appeal state machine: (from states, action) → to state, and who may do it.

Services look the action up here before changing anything; one test walks the
whole table. ``SYSTEM`` is the escalation job and the intake classifier.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from jingmin.accounts.roles import Role
from jingmin.core.exceptions import Conflict, NotPermitted

from .models import Appeal

S = Appeal.Status
SYSTEM = "system"
CITIZEN = "citizen"
UNIT = frozenset({Role.OFFICER, Role.LEADER})
TRIAGERS = frozenset({Role.OPERATOR, Role.SUPERVISOR, SYSTEM})
OPEN = frozenset(s for s in S if s != S.CLOSED)
IN_HAND = frozenset({S.ASSIGNED, S.FORWARDED, S.ACCEPTED, S.REOPENED})


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str | None  # None: decided by the service (e.g. routing)
    roles: frozenset[str]
    label: str


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        Transition(
            "queue", frozenset({S.RECEIVED}), S.TRIAGED, TRIAGERS, _("待人工分拨")
        ),
        Transition(
            "route",
            frozenset({S.RECEIVED, S.TRIAGED}),
            None,
            TRIAGERS,
            _("分拨"),
        ),
        Transition(
            "accept",
            frozenset({S.ASSIGNED, S.REOPENED, S.FORWARDED}),
            S.ACCEPTED,
            UNIT | {Role.SUPERVISOR, Role.LIAISON},
            _("签收"),
        ),
        Transition(
            "object",
            frozenset({S.FORWARDED, S.ASSIGNED}),
            S.TRIAGED,
            UNIT | {Role.LIAISON},
            _("退回（非本单位职责）"),
        ),
        Transition(
            "designate",
            frozenset({S.TRIAGED, S.FORWARDED, S.ASSIGNED}),
            None,
            frozenset({Role.SUPERVISOR}),
            _("指定承办"),
        ),
        Transition(
            "redispatch",
            OPEN - {S.RECEIVED},
            None,
            frozenset({Role.SUPERVISOR}),
            _("重新派单"),
        ),
        Transition(
            "request_info",
            IN_HAND - {S.FORWARDED},
            S.INFO_REQUESTED,
            UNIT | {Role.LIAISON, Role.OPERATOR, Role.SUPERVISOR},
            _("请群众补充材料"),
        ),
        Transition(
            "provide_info",
            frozenset({S.INFO_REQUESTED}),
            None,  # back to where it was
            frozenset({CITIZEN, Role.OPERATOR, Role.SUPERVISOR}),
            _("群众补充材料"),
        ),
        Transition(
            "info_timeout",
            frozenset({S.INFO_REQUESTED}),
            S.CLOSED,
            frozenset({SYSTEM}),
            _("逾期未补充材料，办结"),
        ),
        Transition(
            "reply_submit",
            frozenset({S.ACCEPTED}),
            S.ACCEPTED,
            UNIT | {Role.SUPERVISOR},
            _("提交答复待审批"),
        ),
        Transition(
            "reply_approve",
            frozenset({S.ACCEPTED}),
            S.REPLIED,
            frozenset({Role.LEADER, Role.SUPERVISOR}),
            _("审批并发布答复"),
        ),
        Transition(
            "reply_return",
            frozenset({S.ACCEPTED}),
            S.ACCEPTED,
            frozenset({Role.LEADER, Role.SUPERVISOR}),
            _("退回答复修改"),
        ),
        Transition(
            "department_answer",
            frozenset({S.ACCEPTED, S.FORWARDED}),
            S.REPLIED,
            frozenset({Role.LIAISON}),
            _("部门答复"),
        ),
        Transition(
            "rate",
            frozenset({S.REPLIED, S.CLOSED}),
            None,  # closed, or reopened when unresolved
            frozenset({CITIZEN, Role.OPERATOR, Role.SUPERVISOR}),
            _("回访评价"),
        ),
        Transition(
            "close_unrated",
            frozenset({S.REPLIED}),
            S.CLOSED,
            frozenset({SYSTEM, Role.SUPERVISOR}),
            _("回访期满办结"),
        ),
        Transition(
            "extend",
            IN_HAND | {S.INFO_REQUESTED},
            None,  # unchanged
            UNIT | {Role.LIAISON, Role.SUPERVISOR},
            _("申请延期"),
        ),
        Transition(
            "extend_decide",
            OPEN,
            None,
            frozenset({Role.LEADER, Role.SUPERVISOR}),
            _("审批延期"),
        ),
        Transition(
            "escalate",
            OPEN,
            None,
            frozenset({SYSTEM}),
            _("超期升级"),
        ),
        Transition(
            "link_duplicate",
            OPEN,
            None,
            frozenset({Role.OPERATOR, Role.SUPERVISOR}),
            _("合并重复诉求"),
        ),
    ]
}


# History steps (AppealEvent.action) that are not transitions of their own.
EVENT_LABELS = {
    "submit": _("受理"),
    "reply_draft": _("保存答复草稿"),
    "reply_shared": _("同步原诉求的答复"),
}


def action_label(action: str) -> str:
    """The name a person reads for an ``AppealEvent.action`` code."""
    transition = TRANSITIONS.get(action)
    if transition is not None:
        return str(transition.label)
    return str(EVENT_LABELS.get(action, action))


def role_of(actor: object | None) -> str:
    if actor is None:
        return CITIZEN
    if isinstance(actor, str):
        return actor
    return getattr(actor, "role", "") or ""


def transition_check(appeal: Appeal, action: str, actor: object | None) -> Transition:
    """The transition, or NotPermitted (wrong role) / Conflict (wrong state)."""
    transition = TRANSITIONS[action]
    if role_of(actor) not in transition.roles:
        raise NotPermitted(
            _("您的角色不能执行“%(label)s”") % {"label": transition.label},
            code="role_not_allowed",
        )
    if appeal.status not in transition.sources:
        raise Conflict(
            _("诉求 %(number)s 当前状态为“%(status)s”，不能执行“%(label)s”")
            % {
                "number": appeal.number,
                "status": appeal.get_status_display(),
                "label": transition.label,
            },
            code="bad_state",
        )
    return transition


def allowed_actions(appeal: Appeal, actor: object | None) -> list[str]:
    role = role_of(actor)
    return [
        a
        for a, t in TRANSITIONS.items()
        if role in t.roles and appeal.status in t.sources
    ]
