"""One demo log-in per role (printed by `jingmin demo`)."""

from __future__ import annotations

from django.db import transaction

from jingmin.org.models import Department, Unit

from .models import User
from .roles import Role
from .services import staff_create

DEMO_PASSWORD = "heping-demo-2026"  # noqa: S105  (demo county only; printed on purpose)

# username, role, display name, unit code, department code
DEMO_USERS = [
    ("jiexian", Role.OPERATOR, "王丽（接线员）", "zhihui", None),
    ("minjing", Role.OFFICER, "李强（城关派出所民警）", "chengguan", None),
    ("minjing2", Role.OFFICER, "赵磊（东城派出所民警）", "dongcheng", None),
    ("suozhang", Role.LEADER, "陈建国（城关派出所所长）", "chengguan", None),
    ("suozhang2", Role.LEADER, "孙海（东城派出所所长）", "dongcheng", None),
    ("zhihui", Role.SUPERVISOR, "周敏（指挥中心）", "zhihui", None),
    ("lianluo", Role.LIAISON, "吴芳（住建局联络员）", None, "zhujian"),
    ("lianluo2", Role.LIAISON, "郑伟（市场监管局联络员）", None, "shijian"),
    ("fenxi", Role.ANALYST, "冯晓（情报分析员）", "zhihui", None),
    ("admin", Role.ADMIN, "系统管理员", None, None),
    ("shenji", Role.AUDITOR, "审计管理员", None, None),
]


@transaction.atomic
def seed(out=None) -> None:
    for username, role, name, unit_code, dept_code in DEMO_USERS:
        if User.objects.filter(username=username).exists():
            continue
        staff_create(
            username=username,
            password=DEMO_PASSWORD,
            role=role,
            actor=None,
            validate=False,
            display_name=name,
            unit=Unit.objects.get(code=unit_code) if unit_code else None,
            department=Department.objects.get(code=dept_code) if dept_code else None,
        )


def logins() -> list[tuple[str, str, str]]:
    return [(u, str(Role(r).label), n) for u, r, n, _unit, _dept in DEMO_USERS]
