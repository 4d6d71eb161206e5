"""Routing decisions and the explanation the citizen sees for each triage class.

The explanation is never just "not our responsibility": a forward names the
department, why it is theirs, and how to reach it (FixMyStreet's lesson).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from jingmin.org.models import Department, Unit
from jingmin.org.selectors import (
    bureau_get,
    command_centre,
    unit_id_for_point,
    unit_kept,
)

from .models import Appeal, Category

T = Appeal.TriageClass


def templates() -> dict[str, str]:
    return {
        T.POLICE_DUTY: _(
            "您反映的问题属于公安机关职责，已交由{unit}办理，"
            "承诺{promise}，请留意进度。"
        ),
        T.OTHER_DEPARTMENT: _(
            "您反映的“{category}”问题依法属于{department}的职责范围，公安机关无法直接处理。"
            "我们已于{time}将您的诉求转交{department}办理，由该部门直接答复您，"
            "公安机关将跟踪办理情况。联系电话：{phone}；地址：{address}；办公时间：{hours}。"
        ),
        T.STATUTORY_CHANNEL: _(
            "您反映的问题依法应通过{channel}解决，公安机关不能代替其作出处理。"
            "{contact}如涉及违法犯罪或人身安全，请随时拨打110。"
        ),
        T.ALREADY_HANDLED: _(
            "您反映的问题与编号 {original} 的诉求相同，正在由{unit}办理中，"
            "办理结果将一并答复您。"
        ),
        T.NOT_ACCEPTABLE: _(
            "您提交的内容{reason}，暂无法受理。如有具体诉求，欢迎补充后重新提交。"
        ),
    }


def explanation(triage_class: str, **context: str) -> str:
    values = {k: (v if v not in (None, "") else "—") for k, v in context.items()}
    return templates()[triage_class].format_map(_Missing(values))


class _Missing(dict):
    def __missing__(self, key: str) -> str:
        return "—"


def department_context(department: Department, category: Category | None) -> dict:
    return {
        "department": department.name,
        "category": category.name if category else "",
        "phone": department.contact_phone,
        "address": department.contact_address,
        "hours": department.contact_hours,
        "time": timezone.localtime().strftime("%Y-%m-%d %H:%M"),
    }


@dataclass(frozen=True)
class Route:
    triage_class: str
    unit: Unit | None = None
    department: Department | None = None


def point_in_county(lon: float | None, lat: float | None) -> bool | None:
    """True/False for a point, None when no point was given."""
    if lon is None or lat is None:
        return None
    if unit_id_for_point(lon, lat) is not None:
        return True
    bureau = bureau_get()
    if bureau and bureau.boundary:
        from shapely.geometry import Point

        from jingmin.core.geo import geometry_from_geojson

        return bool(geometry_from_geojson(bureau.boundary).covers(Point(lon, lat)))
    return False


def route_for(appeal: Appeal) -> Route | None:
    """Where an appeal of a known category goes; None when an operator must decide.

    Police duty: a specialised unit named by the category (traffic, exit-entry …)
    first, then the station whose jurisdiction holds the point, then the
    category's unit, then the command centre. Outside the county the point is
    ignored. Another department's duty: the owner of the category's business area.
    """
    category = appeal.category
    if category is None:
        return None
    if not category.is_police_duty:
        department = (
            category.business_area.department if category.business_area_id else None
        )
        if department is None or not department.is_active:
            return None
        return Route(T.OTHER_DEPARTMENT, department=department)
    default = category.default_unit
    if default is not None and default.kind != Unit.Kind.STATION and default.is_active:
        return Route(T.POLICE_DUTY, unit=default)
    if appeal.lon is not None and not appeal.outside_county:
        unit_id = unit_id_for_point(appeal.lon, appeal.lat)
        if unit_id is not None:
            return Route(T.POLICE_DUTY, unit=unit_kept(unit_id))
    if default is not None and default.is_active:
        return Route(T.POLICE_DUTY, unit=default)
    centre = command_centre()
    return Route(T.POLICE_DUTY, unit=centre) if centre else None
