"""Import of labelled historical appeals (training data). All or nothing."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import slugify
from django.utils.translation import gettext as _
from pypinyin import lazy_pinyin

from jingmin.audit.services import event_record
from jingmin.core.exceptions import ImportFailed
from jingmin.core.text import normalize_text

from .models import Category, LabelledText

REQUIRED = ("title", "body", "category")
BODY_MAX = 4000


@dataclass
class ImportResult:
    rows: int
    created_categories: list[str]


def _parse_time(value: str) -> dt.datetime | None:
    value = value.strip()
    if not value:
        return None
    parsed = parse_datetime(value.replace("/", "-"))
    if parsed is None:
        try:
            parsed = dt.datetime.combine(dt.date.fromisoformat(value), dt.time(12))
        except ValueError:
            return None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _code_for(name: str) -> str:
    base = slugify("-".join(lazy_pinyin(name)))[:50] or "category"
    code, n = base, 1
    while Category.objects.filter(code=code).exists():
        n += 1
        code = f"{base}-{n}"
    return code


def labelled_import(
    text: str, *, create_categories: bool = False, actor: Any = None, source: str = ""
) -> ImportResult:
    """Rows of ``title, body, category[, created_at, lon, lat, address]``."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ImportFailed(
            _("CSV 缺少列"), [(_("表头"), c, _("缺少必需的列")) for c in missing]
        )
    by_key = {}
    for category in Category.objects.all():
        by_key[category.code] = category
        by_key.setdefault(category.name, category)
    errors: list[tuple[str, str, str]] = []
    rows: list[dict] = []
    to_create: dict[str, None] = {}
    for line, raw in enumerate(reader, start=2):
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        record = _("第%(n)s行") % {"n": line}
        body = normalize_text(row.get("body", ""))
        if not body:
            errors.append((record, "body", _("内容为空")))
        elif len(body) > BODY_MAX:
            errors.append((record, "body", _("内容超过 %(n)s 字") % {"n": BODY_MAX}))
        name = row.get("category", "")
        if not name:
            errors.append((record, "category", _("类别为空")))
        elif name not in by_key:
            if create_categories:
                to_create[name] = None
            else:
                errors.append(
                    (
                        record,
                        "category",
                        _("未知类别“%(c)s”（可用 --create-categories 创建）")
                        % {"c": name},
                    )
                )
        created = None
        if row.get("created_at"):
            created = _parse_time(row["created_at"])
            if created is None:
                errors.append(
                    (
                        record,
                        "created_at",
                        _("无法识别的时间“%(v)s”") % {"v": row["created_at"]},
                    )
                )
        lon = lat = None
        if row.get("lon") or row.get("lat"):
            try:
                lon, lat = float(row["lon"]), float(row["lat"])
                if not (-180 <= lon <= 180 and -90 <= lat <= 90):
                    raise ValueError
            except (KeyError, ValueError):
                errors.append((record, "lon/lat", _("坐标无效")))
        rows.append(
            {
                "title": normalize_text(row.get("title", ""))[:200],
                "body": body,
                "category": name,
                "created_at": created,
                "lon": lon,
                "lat": lat,
                "address": normalize_text(row.get("address", ""))[:200],
            }
        )
    if errors:
        raise ImportFailed(
            _("导入失败：%(n)s 处错误，未导入任何数据") % {"n": len(errors)}, errors
        )
    if not rows:
        raise ImportFailed(_("CSV 没有数据行"), [(_("文件"), "", _("没有数据行"))])
    now = timezone.now()
    with transaction.atomic():
        for name in to_create:
            by_key[name] = Category.objects.create(code=_code_for(name), name=name)
        LabelledText.objects.bulk_create(
            [
                LabelledText(
                    title=r["title"],
                    body=r["body"],
                    category=by_key[r["category"]],
                    origin=LabelledText.Origin.IMPORT,
                    lon=r["lon"],
                    lat=r["lat"],
                    address=r["address"],
                    created_at=r["created_at"] or now,
                )
                for r in rows
            ],
            batch_size=2000,
        )
        event_record(
            actor=actor,
            actor_label="cli",
            action="appeals.import",
            object_type="appeals.labelledtext",
            changes={
                "rows": len(rows),
                "source": source,
                "created_categories": list(to_create),
            },
        )
    return ImportResult(len(rows), list(to_create))
