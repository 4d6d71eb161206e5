"""Writes to the organisation: imports of units (GeoJSON) and departments (CSV).

Each import is one transaction: a bad record refuses the whole file and names the
record and the field, so nothing is half imported.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from jingmin.audit.services import event_record
from jingmin.core.exceptions import DomainError, ImportFailed
from jingmin.core.geo import JurisdictionIndex, geometry_from_geojson
from jingmin.core.phones import validate_phone
from jingmin.core.text import normalize_text

from .models import Bureau, BusinessArea, Department, Unit
from .selectors import reset_jurisdiction_index

UNIT_KINDS = {k for k, _label in Unit.Kind.choices}


def _check_length(
    errors: list, record: str, model: type, field: str, value: str
) -> None:
    limit = model._meta.get_field(field).max_length
    if limit and len(value) > limit:
        errors.append((record, field, _("超过%(limit)d个字符") % {"limit": limit}))


def _parse_geojson(text: str) -> list[dict[str, Any]]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportFailed(
            _("GeoJSON 无法解析"),
            [("file", "json", f"line {exc.lineno} column {exc.colno}: {exc.msg}")],
        ) from exc
    if (
        not isinstance(data, dict)
        or data.get("type") != "FeatureCollection"
        or not isinstance(data.get("features"), list)
    ):
        raise ImportFailed(
            _("GeoJSON 无效"), [("file", "type", _("顶层必须是 FeatureCollection"))]
        )
    return data["features"]


@transaction.atomic
def units_import_geojson(*, text: str, bureau: Bureau, actor: Any) -> list[Unit]:
    """Create or update units from a FeatureCollection whose properties carry
    ``code``, ``name``, ``kind`` and optionally ``address``, ``phone``, ``office_hours``."""
    features = _parse_geojson(text)
    errors: list[tuple[str, str, str]] = []
    rows = []
    for n, feature in enumerate(features, 1):
        if not isinstance(feature, dict) or not isinstance(
            feature.get("properties") or {}, dict
        ):
            errors.append(
                (
                    f"feature {n}",
                    "properties",
                    _("每个要素必须是带 properties 对象的 Feature"),
                )
            )
            continue
        props = feature.get("properties") or {}
        record = f"feature {n} ({props.get('code') or '?'})"
        code = normalize_text(str(props.get("code") or ""))
        name = normalize_text(str(props.get("name") or ""))
        kind = props.get("kind") or Unit.Kind.STATION
        if not code:
            errors.append((record, "code", _("缺少单位代码")))
        if not name:
            errors.append((record, "name", _("缺少单位名称")))
        for field in ("code", "name", "address", "office_hours"):
            _check_length(
                errors, record, Unit, field, normalize_text(str(props.get(field) or ""))
            )
        if kind not in UNIT_KINDS:
            errors.append(
                (record, "kind", _("未知的单位类型 %(kind)s") % {"kind": kind})
            )
        geom = None
        if feature.get("geometry") is not None:
            try:
                geom = geometry_from_geojson(feature["geometry"])
            except ValueError as exc:
                errors.append((record, "geometry", str(exc)))
        phone = props.get("phone") or ""
        if phone:
            try:
                phone = validate_phone(phone)
            except DomainError as exc:
                errors.append((record, "phone", str(exc)))
        rows.append(
            (record, code, name, kind, geom, feature.get("geometry"), props, phone)
        )
    codes = [r[1] for r in rows]
    for code in {c for c in codes if codes.count(c) > 1}:
        errors.append((code, "code", _("单位代码重复")))
    # Overlaps are checked against the units that stay as they are, too.
    incoming = {r[1]: r[4] for r in rows if r[4] is not None}
    existing = {
        u.code: geometry_from_geojson(u.jurisdiction)
        for u in Unit.objects.filter(
            is_active=True, jurisdiction__isnull=False
        ).exclude(code__in=incoming)
    }
    if not errors:
        for a, b in JurisdictionIndex({**existing, **incoming}.items()).overlaps():
            errors.append((f"{a} / {b}", "geometry", _("辖区重叠")))
    if errors:
        raise ImportFailed(_("单位导入失败，未导入任何记录"), errors)
    units = []
    for _record, code, name, kind, geom, geometry, props, phone in rows:
        centre = geom.representative_point() if geom is not None else None
        unit, created = Unit.objects.update_or_create(
            code=code,
            defaults={
                "bureau": bureau,
                "name": name,
                "kind": kind,
                "address": normalize_text(props.get("address") or ""),
                "phone": phone,
                "office_hours": normalize_text(props.get("office_hours") or ""),
                "jurisdiction": geometry,
                "lon": centre.x if centre is not None else props.get("lon"),
                "lat": centre.y if centre is not None else props.get("lat"),
            },
        )
        event_record(
            actor=actor,
            action="unit.create" if created else "unit.update",
            obj=unit,
            changes={"source": "geojson"},
        )
        units.append(unit)
    transaction.on_commit(reset_jurisdiction_index)
    return units


DEPARTMENT_COLUMNS = ["code", "name", "contact_phone"]


@transaction.atomic
def departments_import_csv(*, text: str, actor: Any) -> list[Department]:
    """Columns: code, name, contact_phone, business_areas (names or codes, split by
    ';' or '；'), optional contact_address, contact_hours, website, description."""
    try:
        reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff"), newline=""))
        parsed = list(reader)
    except csv.Error as exc:
        raise ImportFailed(
            _("部门导入失败：CSV 格式错误"), [("file", "csv", str(exc))]
        ) from exc
    missing = [c for c in DEPARTMENT_COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ImportFailed(
            _("部门导入失败：缺少列"), [("header", c, _("缺少此列")) for c in missing]
        )
    areas = {a.code: a for a in BusinessArea.objects.all()} | {
        a.name: a for a in BusinessArea.objects.all()
    }
    # A name may belong to one department only (the column is unique).
    taken_names = dict(Department.objects.values_list("name", "code"))
    seen_names: dict[str, str] = {}
    errors: list[tuple[str, str, str]] = []
    rows = []
    for n, row in enumerate(parsed, 2):
        record = f"line {n} ({row.get('code') or '?'})"
        code = normalize_text(row.get("code") or "")
        name = normalize_text(row.get("name") or "")
        if not code:
            errors.append((record, "code", _("缺少部门代码")))
        if not name:
            errors.append((record, "name", _("缺少部门名称")))
        elif (
            seen_names.setdefault(name, code) != code
            or taken_names.get(name, code) != code
        ):
            errors.append(
                (
                    record,
                    "name",
                    _("部门名称“%(name)s”已被其他部门使用") % {"name": name},
                )
            )
        for field in ("code", "name", "contact_address", "contact_hours", "website"):
            _check_length(
                errors, record, Department, field, normalize_text(row.get(field) or "")
            )
        phone = ""
        try:
            phone = validate_phone(row.get("contact_phone") or "")
        except DomainError as exc:
            errors.append((record, "contact_phone", str(exc)))
        owned = []
        for part in (row.get("business_areas") or "").replace("；", ";").split(";"):
            part = normalize_text(part)
            if not part:
                continue
            if part not in areas:
                errors.append(
                    (
                        record,
                        "business_areas",
                        _("未知的业务领域：%(area)s") % {"area": part},
                    )
                )
            else:
                owned.append(areas[part])
        rows.append((code, name, phone, owned, row))
    if errors:
        raise ImportFailed(_("部门导入失败，未导入任何记录"), errors)
    departments = []
    for code, name, phone, owned, row in rows:
        dept, created = Department.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "contact_phone": phone,
                "contact_address": normalize_text(row.get("contact_address") or ""),
                "contact_hours": normalize_text(row.get("contact_hours") or ""),
                "website": normalize_text(row.get("website") or ""),
                "description": normalize_text(row.get("description") or ""),
            },
        )
        for area in owned:
            area.department = dept
            area.save(update_fields=["department"])
        event_record(
            actor=actor,
            action="department.create" if created else "department.update",
            obj=dept,
            changes={"business_areas": [a.code for a in owned]},
        )
        departments.append(dept)
    return departments
