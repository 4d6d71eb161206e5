"""One user per role in two units (healthchecks' persona base, as pytest fixtures).

Station A (``sta``) and station B (``stb``) split a 0.2° × 0.1° county in two;
department A (``depta``, owns 城乡建设) and B (``deptb``, owns 市场监管).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from django.contrib.auth.hashers import make_password

from jingmin.accounts.models import User
from jingmin.accounts.roles import Role
from jingmin.org.models import Bureau, BusinessArea, Department, Unit
from jingmin.org.selectors import reset_jurisdiction_index

PASSWORD = "test-pass-Heping-2026"  # noqa: S105

ONE_PER_ROLE = [
    "operator",
    "officer_a",
    "leader_a",
    "supervisor",
    "liaison_a",
    "analyst",
    "admin",
    "auditor",
]
"""A persona of every role (station A's where a role has two)."""


def box(w: float, s: float, e: float, n: float) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]],
    }


@dataclass
class County:
    bureau: Bureau
    sta: Unit
    stb: Unit
    command: Unit
    depta: Department
    deptb: Department
    area_a: BusinessArea
    area_b: BusinessArea
    users: dict[str, User]

    def __getitem__(self, key: str) -> User:
        return self.users[key]


@cache
def _hash_with(hasher: str) -> str:
    return make_password(PASSWORD, hasher=hasher)


def _password_hash() -> str:
    """Argon2 is slow on purpose: hash the shared test password once per hasher
    (some tests switch PASSWORD_HASHERS, and a cached hash must still verify)."""
    from django.contrib.auth.hashers import get_hasher

    return _hash_with(get_hasher().algorithm)


def make_user(username: str, role: str, **fields) -> User:
    user = User(username=username, role=role, display_name=username, **fields)
    user.password = _password_hash()
    user.is_staff = role in {Role.ADMIN, Role.AUDITOR}
    user.is_superuser = role == Role.ADMIN
    user.save()
    return user


def make_county() -> County:
    bureau = Bureau.objects.create(
        name="测试县公安局",
        county="测试县",
        phone="0571-80000110",
        boundary=box(120.0, 30.0, 120.2, 30.1),
    )
    sta = Unit.objects.create(
        bureau=bureau,
        code="sta",
        name="甲派出所",
        kind=Unit.Kind.STATION,
        jurisdiction=box(120.0, 30.0, 120.1, 30.1),
        lon=120.05,
        lat=30.05,
    )
    stb = Unit.objects.create(
        bureau=bureau,
        code="stb",
        name="乙派出所",
        kind=Unit.Kind.STATION,
        jurisdiction=box(120.1, 30.0, 120.2, 30.1),
        lon=120.15,
        lat=30.05,
    )
    command = Unit.objects.create(
        bureau=bureau, code="cmd", name="指挥中心", kind=Unit.Kind.COMMAND
    )
    depta = Department.objects.create(
        code="depta", name="住建局", contact_phone="0571-80000001"
    )
    deptb = Department.objects.create(
        code="deptb", name="市场监管局", contact_phone="0571-80000002"
    )
    area_a = BusinessArea.objects.create(
        code="urban", name="城乡建设", department=depta
    )
    area_b = BusinessArea.objects.create(
        code="market", name="市场监管", department=deptb
    )
    reset_jurisdiction_index()
    users = {
        "operator": make_user("operator", Role.OPERATOR, unit=command),
        "officer_a": make_user("officer_a", Role.OFFICER, unit=sta),
        "officer_b": make_user("officer_b", Role.OFFICER, unit=stb),
        "leader_a": make_user("leader_a", Role.LEADER, unit=sta),
        "leader_b": make_user("leader_b", Role.LEADER, unit=stb),
        "supervisor": make_user("supervisor", Role.SUPERVISOR, unit=command),
        "liaison_a": make_user("liaison_a", Role.LIAISON, department=depta),
        "liaison_b": make_user("liaison_b", Role.LIAISON, department=deptb),
        "analyst": make_user("analyst", Role.ANALYST, unit=command),
        "admin": make_user("admin", Role.ADMIN),
        "auditor": make_user("auditor", Role.AUDITOR),
    }
    return County(bureau, sta, stb, command, depta, deptb, area_a, area_b, users)
