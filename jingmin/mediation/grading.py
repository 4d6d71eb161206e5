"""Risk grading: the checklist rules, the level scale and its defaults.

Each RiskFactor row names one rule below; its weight and threshold live in the
database so a bureau can tune the checklist without a release. A dispute's score
is the sum of the weights of the rules that hold; its level is the most severe
level whose ``min_score`` the score reaches. A mediator's report that the dispute
may turn criminal (人民调解法 art. 25) lifts the level to at least
settings.MEDIATION_REPORT_MIN_LEVEL (default "orange").
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from . import conf
from .models import Dispute, RiskFactor, RiskLevel

F = RiskFactor.Code

# code, label, rank, min_score, css, follow-up interval days, count, channel, notify
# (labels are stored in Chinese and translated where they are shown)
# fmt: off
DEFAULT_LEVELS = [
    ("red", gettext_noop("红色（高风险）"), 4, 60, "red", 7, 4, "visit", True),
    ("orange", gettext_noop("橙色（较高风险）"), 3, 35, "orange", 14, 3, "visit", False),
    ("yellow", gettext_noop("黄色（一般风险）"), 2, 15, "yellow", 30, 2, "phone", False),
    ("blue", gettext_noop("蓝色（低风险）"), 1, 0, "blue", 14, 1, "phone", False),
]
# fmt: on
# code, weight, threshold
DEFAULT_FACTORS = [
    (F.THREATS_VIOLENCE, 40, None),
    (F.WEAPONS, 50, None),
    (F.REPEAT_CALLS, 20, 2),
    (F.VULNERABLE, 15, None),
    (F.LARGE_SUM, 15, 50000),
    (F.MANY_PEOPLE, 15, 5),
    (F.MEDIATION_FAILED, 20, None),
    (F.PRIOR_VIOLENT, 30, None),
]


def ensure_defaults(level_model=RiskLevel, factor_model=RiskFactor) -> None:
    """Create the default scale and checklist where missing (never overwrites)."""
    for (
        code,
        label,
        rank,
        min_score,
        css,
        days,
        count,
        channel,
        notify,
    ) in DEFAULT_LEVELS:
        if not level_model.objects.filter(code=code).exists():
            level_model.objects.create(
                code=code,
                label=label,
                rank=rank,
                min_score=min_score,
                css=css,
                followup_interval_days=days,
                followup_count=count,
                followup_channel=channel,
                notify=notify,
            )
    for code, weight, param in DEFAULT_FACTORS:
        factor_model.objects.get_or_create(
            code=str(code), defaults={"weight": weight, "param": param}
        )


def levels() -> list[RiskLevel]:
    return list(RiskLevel.objects.order_by("-rank"))


def level_map() -> dict[str, RiskLevel]:
    return {lvl.code: lvl for lvl in RiskLevel.objects.all()}


def window_start(days: int | None = None) -> dt.datetime:
    days = days or conf.get("WINDOW_DAYS")
    return timezone.now() - dt.timedelta(days=days)


def party_indexes(dispute: Dispute) -> set[str]:
    keys: set[str] = set()
    for phone_index, id_index in dispute.parties.values_list("phone_index", "id_index"):
        keys.update(k for k in (phone_index, id_index) if k)
    return keys


def repeat_count(dispute: Dispute) -> int:
    """Other disputes and appeals about the same parties inside the window."""
    keys = party_indexes(dispute)
    if not keys:
        return 0
    since = window_start()
    from django.db.models import Q

    others = (
        Dispute.objects.filter(created_at__gte=since)
        .filter(Q(parties__phone_index__in=keys) | Q(parties__id_index__in=keys))
        .exclude(pk=dispute.pk)
        .distinct()
        .count()
    )
    phone_keys = set(
        dispute.parties.exclude(phone_index="").values_list("phone_index", flat=True)
    )
    appeals = 0
    if phone_keys and apps.is_installed("jingmin.appeals"):
        appeal_model = apps.get_model("appeals", "Appeal")
        appeals = (
            appeal_model.objects.filter(
                created_at__gte=since, phone_index__in=phone_keys
            )
            .exclude(disputes=dispute)
            .count()
        )
    return others + appeals


def _previous_failure(dispute: Dispute) -> bool:
    if dispute.pk is None:
        return False
    if dispute.sessions.filter(outcome="failed").exists() or dispute.reopen_count:
        return True
    keys = party_indexes(dispute)
    if not keys:
        return False
    from django.db.models import Q

    return (
        Dispute.objects.exclude(pk=dispute.pk)
        .filter(Q(parties__phone_index__in=keys) | Q(parties__id_index__in=keys))
        .filter(
            Q(sessions__outcome="failed")
            | Q(status__in=[Dispute.Status.REFERRED, Dispute.Status.REOPENED])
            | Q(reopen_count__gt=0)
        )
        .exists()
    )


Rule = Callable[[Dispute, RiskFactor], str | None]


def _threats(d: Dispute, f: RiskFactor) -> str | None:
    return str(f) if d.threats_violence else None


def _weapons(d: Dispute, f: RiskFactor) -> str | None:
    return str(f) if d.weapons else None


def _repeat(d: Dispute, f: RiskFactor) -> str | None:
    n = repeat_count(d)
    threshold = int(f.param or 2)
    if n >= threshold:
        return _("%(label)s（%(days)s天内另有%(n)s起纠纷或诉求）") % {
            "label": f,
            "days": conf.get("WINDOW_DAYS"),
            "n": n,
        }
    return None


def _vulnerable(d: Dispute, f: RiskFactor) -> str | None:
    if d.parties.filter(is_minor=True).exists():
        return _("%(label)s（有未成年当事人）") % {"label": f}
    if d.parties.filter(vulnerable=True).exists():
        return str(f)
    return None


def _large_sum(d: Dispute, f: RiskFactor) -> str | None:
    threshold = f.param or 50000
    if d.amount is not None and float(d.amount) >= threshold:
        return _("%(label)s（%(amount)s元，门槛%(t)s元）") % {
            "label": f,
            "amount": f"{d.amount:,.0f}",
            "t": f"{threshold:,.0f}",
        }
    return None


def _many_people(d: Dispute, f: RiskFactor) -> str | None:
    threshold = int(f.param or 5)
    if d.people_count >= threshold:
        return _("%(label)s（%(n)s人）") % {"label": f, "n": d.people_count}
    return None


def _failed(d: Dispute, f: RiskFactor) -> str | None:
    return str(f) if _previous_failure(d) else None


def _prior_violent(d: Dispute, f: RiskFactor) -> str | None:
    return str(f) if d.parties.filter(prior_violent=True).exists() else None


RULES: dict[str, Rule] = {
    F.THREATS_VIOLENCE: _threats,
    F.WEAPONS: _weapons,
    F.REPEAT_CALLS: _repeat,
    F.VULNERABLE: _vulnerable,
    F.LARGE_SUM: _large_sum,
    F.MANY_PEOPLE: _many_people,
    F.MEDIATION_FAILED: _failed,
    F.PRIOR_VIOLENT: _prior_violent,
}


@dataclass(frozen=True)
class Grade:
    score: int
    level: str
    reasons: list[dict]


def grade(dispute: Dispute) -> Grade:
    """Score and level of a saved dispute, with one reason per rule that holds."""
    reasons: list[dict] = []
    score = 0
    for factor in RiskFactor.objects.filter(is_active=True):
        text = RULES[factor.code](dispute, factor)
        if text:
            score += factor.weight
            reasons.append({"code": factor.code, "text": text, "weight": factor.weight})
    scale = levels()
    if not scale:
        return Grade(score, "", reasons)
    chosen = next((lvl for lvl in scale if score >= lvl.min_score), scale[-1])
    if dispute.mediator_reported or dispute.source == Dispute.Source.MEDIATOR_REPORT:
        floor = next(
            (lvl for lvl in scale if lvl.code == conf.get("REPORT_MIN_LEVEL")),
            None,
        )
        if floor and floor.rank > chosen.rank:
            chosen = floor
            reasons.append(
                {
                    "code": "mediator_report",
                    "text": _("调解员报告可能激化为刑事案件，至少定为%(level)s")
                    % {"level": floor.label},
                    "weight": 0,
                }
            )
    return Grade(score, chosen.code, reasons)
