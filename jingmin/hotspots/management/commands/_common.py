"""Shared pieces of the `jingmin hotspots …` commands."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from jingmin.core.exceptions import DomainError
from jingmin.hotspots.analysis.points import InputError, Points, read_points


class ProgressBar:
    """A one-line bar on stderr: `校验 [#########-----------]  45%`."""

    def __init__(self, stream=None, width: int = 30):
        self.stream = stream or sys.stderr
        self.width = width
        self.last: tuple[str, int] | None = None

    def __call__(self, phase: str, done: int, total: int) -> None:
        pct = 100 if not total else min(100, int(done * 100 / total))
        if self.last == (phase, pct):
            return
        self.last = (phase, pct)
        filled = pct * self.width // 100
        self.stream.write(
            f"\r{phase} [{'#' * filled}{'-' * (self.width - filled)}] {pct:3d}%"
        )
        if pct == 100:
            self.stream.write("\n")
        self.stream.flush()


def parse_day(text: str | None, *, end: bool = False) -> dt.date | None:
    """A day (2026-03-01) or a month (2026-03: its first day, or its last with end=True)."""
    if not text:
        return None
    try:
        if len(text) == 7:
            y, m = int(text[:4]), int(text[5:7])
            first = dt.date(y, m, 1)
            if not end:
                return first
            return (dt.date(y + (m == 12), m % 12 + 1, 1)) - dt.timedelta(days=1)
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise CommandError(
            _("日期格式应为 YYYY-MM-DD 或 YYYY-MM：%(v)s") % {"v": text}
        ) from exc


def parse_numbers(text: str, name: str) -> list[float]:
    try:
        values = [float(v) for v in text.replace("，", ",").split(",") if v.strip()]
    except ValueError as exc:
        raise CommandError(
            _("%(n)s 须为逗号分隔的数字，例如 100,200,300") % {"n": name}
        ) from exc
    if not values or any(v <= 0 for v in values) or values != sorted(values):
        raise CommandError(_("%(n)s 须为递增的正数") % {"n": name})
    return values


def load_input(
    options: dict[str, Any], note: Callable[[str], Any] | None = None
) -> Points:
    """The --input file's points after --type/--from/--to; ``note`` hears of skipped rows."""
    try:
        points = read_points(
            options["input"],
            crs=options.get("crs"),
            date_format=options.get("date_format"),
        )
    except (InputError, DomainError) as exc:  # no file, encoding, header, bad rows
        raise CommandError(str(exc)) from exc
    if points.skipped and note is not None:
        note(_("跳过 %(n)s 行（坐标或日期为空）") % {"n": points.skipped})
    keep = np.ones(len(points), bool)
    if options.get("type"):
        wanted = {t.strip().lower() for t in options["type"].split(",")}
        keep &= np.array([t.lower() in wanted for t in points.types], bool)
    start, end = parse_day(options.get("from")), parse_day(options.get("to"), end=True)
    if start:
        keep &= np.array([d >= start for d in points.dates], bool)
    if end:
        keep &= np.array([d <= end for d in points.dates], bool)
    return points.select(keep)


def write_json(path: str | None, data: dict) -> None:
    if path:
        Path(path).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def add_input_options(parser) -> None:
    parser.add_argument("--input", help=_("CSV 文件（不导入数据库，直接分析）"))
    parser.add_argument("--crs", help=_("x/y 坐标的坐标系，例如 EPSG:26971、EPSG:2913"))
    parser.add_argument(
        "--date-format",
        choices=["dmy", "mdy"],
        help=_("斜杠日期的日月顺序（默认自动判断）"),
    )
    parser.add_argument("--type", help=_("只分析这些类型（逗号分隔）"))
    parser.add_argument("--from", dest="from", help=_("开始日期 YYYY-MM-DD 或 YYYY-MM"))
    parser.add_argument("--to", help=_("结束日期 YYYY-MM-DD 或 YYYY-MM（含）"))
    parser.add_argument("--unit", help=_("只分析该单位（代码；仅数据库）"))
    parser.add_argument("--json", help=_("把完整结果写入该 JSON 文件"))


def stored_selection(options: dict[str, Any]):
    """lon, lat, starts, ends and the study area for stored incidents."""
    from jingmin.core.geo import geometry_from_geojson
    from jingmin.hotspots.importer import county_area
    from jingmin.hotspots.models import Incident
    from jingmin.hotspots.selectors import (
        IncidentFilter,
        incident_arrays,
        incidents_filtered,
    )
    from jingmin.org.models import Unit

    area = county_area()
    unit_id = None
    if options.get("unit"):
        unit = Unit.objects.filter(code=options["unit"]).first()
        if unit is None:
            raise CommandError(_("未知的单位代码：%(u)s") % {"u": options["unit"]})
        unit_id = unit.pk
        if unit.jurisdiction:
            area = geometry_from_geojson(unit.jurisdiction)
    f = IncidentFilter(
        types=[t.strip() for t in options["type"].split(",")]
        if options.get("type")
        else None,
        date_from=parse_day(options.get("from")),
        date_to=parse_day(options.get("to"), end=True),
        unit_id=unit_id,
    )
    lon, lat, starts, ends = incident_arrays(
        incidents_filtered(Incident.objects.all(), f)
    )
    return lon, lat, starts, ends, area
