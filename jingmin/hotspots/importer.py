"""Import incidents from CSV (streamed) or GeoJSON, all or nothing.

Pass 1 reads the whole file and validates every row; if any row is bad, nothing is
written and ImportFailed lists the rows (up to MAX_LISTED, with the total count).
Pass 2 reads the file again and inserts with bulk_create in batches, inside the
caller's transaction. Memory stays flat for CSV: one batch of rows at a time.

CSV columns (header names, any order): ``type`` (code or name of an IncidentType),
``time`` (ISO date-time; or ``date`` for a day; or ``start`` and ``end`` for a
window), ``lon`` and ``lat`` (WGS-84) or ``address`` alone, optional ``unit``
(unit code; else the jurisdiction containing the point). Times without a zone are
Asia/Shanghai. GeoJSON: a FeatureCollection of Point features whose properties use
the same names.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from jingmin.core.csvread import open_csv, read_text
from jingmin.core.geo import geometry_from_geojson
from jingmin.core.geo_input import coordinate, placement
from jingmin.core.text import normalize_text
from jingmin.org.models import Bureau, Unit
from jingmin.org.selectors import jurisdiction_index

from .analysis.checks import MAX_LISTED, bad_time, future_problem, listed
from .models import Incident, IncidentType

BATCH = 5000

Progress = Callable[[int, int], None]
"""progress(done, total) in bytes (CSV) or features (GeoJSON)."""


@dataclass
class Row:
    number: int
    type_id: int
    start: dt.datetime
    end: dt.datetime | None
    lon: float | None
    lat: float | None
    address: str
    unit_id: int | None


@dataclass
class ImportPlan:
    rows: int
    errors: list[tuple[str, str, str]]
    error_count: int


def county_area() -> shapely.Geometry | None:
    """The bureau boundary, else the union of the units' jurisdictions."""
    bureau = Bureau.objects.exclude(boundary=None).first()
    if bureau is not None:
        return geometry_from_geojson(bureau.boundary)
    index = jurisdiction_index()
    return shapely.union_all(list(index.geoms)) if len(index) else None


def _parse_time(text: str, field: str) -> dt.datetime:
    value = text.strip()
    tz = timezone.get_current_timezone()
    try:
        if len(value) == 10:
            parsed = dt.datetime.combine(dt.date.fromisoformat(value), dt.time())
        else:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise ValueError(bad_time(field, value)) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=tz)  # zoneinfo resolves DST folds itself
    return parsed


class Validator:
    def __init__(self, now: dt.datetime | None = None):
        self.types: dict[str, int] = {}
        for t in IncidentType.objects.filter(is_active=True):
            self.types[t.code.lower()] = t.pk
            self.types[normalize_text(t.name)] = t.pk
        self.units = dict(Unit.objects.values_list("code", "pk"))
        self.area = county_area()
        if self.area is not None:
            shapely.prepare(self.area)
        self.now = now or timezone.now()

    def row(
        self, number: int, rec: dict[str, Any]
    ) -> tuple[Row | None, list[tuple[str, str]]]:
        """The parsed row, or the list of (field, message) that is wrong with it."""
        errors: list[tuple[str, str]] = []

        def get(key: str) -> str:
            value = rec.get(key)
            return (
                value.strip()
                if isinstance(value, str)
                else ("" if value is None else str(value))
            )

        type_key = get("type")
        type_id = self.types.get(type_key.lower()) or self.types.get(
            normalize_text(type_key)
        )
        if not type_key:
            errors.append(("type", _("缺少警情类型")))
        elif type_id is None:
            errors.append(("type", _("未知的警情类型：%(t)s") % {"t": type_key[:40]}))
        start = end = None
        try:
            if get("start"):
                start = _parse_time(get("start"), "start")
                end = _parse_time(get("end"), "end") if get("end") else None
            elif get("time"):
                start = _parse_time(get("time"), "time")
            elif get("date"):
                start = _parse_time(get("date")[:10], "date")
                end = start + dt.timedelta(
                    days=1
                )  # a day without a time is a 24-hour window
            else:
                errors.append(("time", _("缺少发生时间（time、date 或 start/end）")))
        except ValueError as exc:
            errors.append(("time", str(exc)))
        future = future_problem(start, self.now) if start is not None else None
        if future:
            errors.append(("time", future))
        if start is not None and end is not None and end < start:
            errors.append(("end", _("结束时间早于开始时间")))
        lon = lat = None
        address = get("address")[:200]
        if get("lon") or get("lat"):
            try:
                lon = coordinate(get("lon"), "lon")
                lat = coordinate(get("lat"), "lat")
            except ValueError as exc:
                errors.append(("lon/lat", str(exc)))
        elif not address:
            errors.append(("lon/lat", _("缺少坐标，也没有地址")))
        unit_id = None
        if get("unit"):
            unit_id = self.units.get(get("unit"))
            if unit_id is None:
                errors.append(
                    ("unit", _("未知的单位代码：%(u)s") % {"u": get("unit")[:40]})
                )
        elif lon is None and not errors:
            errors.append(
                ("unit", _("只有地址的警情须填写单位代码（系统离线，无法解析地址）"))
            )
        if errors:
            return None, errors
        return Row(number, type_id, start, end, lon, lat, address, unit_id), []

    def place(self, rows: list[Row]) -> dict[int, tuple[str, str]]:
        """Check the batch's points against the county, all at once; fill units."""
        located = [r for r in rows if r.lon is not None]
        if not located:
            return {}
        lon = np.array([r.lon for r in located])
        lat = np.array([r.lat for r in located])
        inside, problems = placement(lon, lat, self.area)
        bad = {
            located[k].number: ("lon/lat", message) for k, message in problems.items()
        }
        need = [k for k, r in enumerate(located) if inside[k] and r.unit_id is None]
        if need:
            units = jurisdiction_index().lookup_many(lon[need], lat[need])
            for k, uid in zip(need, units, strict=True):
                located[k].unit_id = uid
        return bad


def _csv_records(path: Path, progress: Progress | None) -> Iterator[tuple[int, dict]]:
    total = os.path.getsize(path)
    with open_csv(path) as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames:
            raise ValueError(_("文件是空的"))
        reader.fieldnames = [f.strip().lower() for f in reader.fieldnames]
        for number, rec in enumerate(reader, start=2):  # line 1 is the header
            if progress is not None and number % 20000 == 0:
                progress(fh.buffer.tell() if hasattr(fh, "buffer") else 0, total)
            yield number, rec
        if progress is not None:
            progress(total, total)


def _geojson_records(
    path: Path, progress: Progress | None
) -> Iterator[tuple[int, dict]]:
    data = json.loads(read_text(path))
    features = data.get("features") if isinstance(data, dict) else None
    if not isinstance(features, list):
        raise ValueError(_("GeoJSON 须为 FeatureCollection"))
    for number, feature in enumerate(features, start=1):
        props = dict(feature.get("properties") or {})
        geom = feature.get("geometry") or {}
        if geom.get("type") == "Point" and len(geom.get("coordinates") or []) >= 2:
            props["lon"], props["lat"] = geom["coordinates"][:2]
        if progress is not None and number % 20000 == 0:
            progress(number, len(features))
        yield number, props
    if progress is not None:
        progress(len(features), len(features))


def records(
    path: str | Path, progress: Progress | None = None
) -> Iterator[tuple[int, dict]]:
    path = Path(path)
    if path.suffix.lower() in {".geojson", ".json"}:
        return _geojson_records(path, progress)
    return _csv_records(path, progress)


def _batches(
    path: Path, validator: Validator, progress: Progress | None
) -> Iterator[tuple[list[Row], list[tuple[int, str, str]]]]:
    rows: list[Row] = []
    errors: list[tuple[int, str, str]] = []
    for number, rec in records(path, progress):
        row, errs = validator.row(number, rec)
        if row is not None:
            rows.append(row)
        errors += [(number, f, m) for f, m in errs]
        if len(rows) >= BATCH:
            errors += [(n, f, m) for n, (f, m) in validator.place(rows).items()]
            yield rows, errors
            rows, errors = [], []
    errors += [(n, f, m) for n, (f, m) in validator.place(rows).items()]
    yield rows, errors


def validate(path: str | Path, *, progress: Progress | None = None) -> ImportPlan:
    validator = Validator()
    found: list[tuple[int, str, str]] = []
    count = rows = 0
    for batch, errors in _batches(Path(path), validator, progress):
        rows += len(batch)
        count += len(errors)
        found = sorted(found + errors)[:MAX_LISTED]
    return ImportPlan(rows=rows, errors=listed(found), error_count=count)


COLUMNS = [
    "type_id",
    "occurred_from",
    "occurred_to",
    "lon",
    "lat",
    "address",
    "unit_id",
    "source",
    "batch",
    "created_at",
]


def insert(path: str | Path, *, batch_id: str, progress: Progress | None = None) -> int:
    """Second pass: the file was validated; insert it (caller holds the transaction).

    Rows go in with COPY (PostgreSQL) or one executemany per batch (SQLite) rather
    than bulk_create: the ORM's per-value compilation cost more than the database
    itself (profiled on 50,000 rows); datetimes are adapted by the backend's own
    ``adapt_datetimefield_value``.
    """
    validator = Validator()
    created = 0
    qn = connection.ops.quote_name
    adapt = connection.ops.adapt_datetimefield_value
    sql = "INSERT INTO {} ({}) VALUES ({})".format(  # noqa: S608 - identifiers from the model, values bound
        qn(Incident._meta.db_table),
        ", ".join(qn(c) for c in COLUMNS),
        ", ".join(["%s"] * len(COLUMNS)),
    )
    copy_sql = "COPY {} ({}) FROM STDIN".format(  # noqa: S608 - identifiers from the model
        qn(Incident._meta.db_table), ", ".join(qn(c) for c in COLUMNS)
    )
    now = adapt(timezone.now())
    source = Incident.Source.IMPORT.value
    copy = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        for batch, errors in _batches(Path(path), validator, progress):
            if errors:  # the file changed between the passes
                raise ValueError(
                    _("文件在校验后被修改：第 %(n)s 行") % {"n": errors[0][0]}
                )
            values = [
                (
                    r.type_id,
                    adapt(r.start),
                    adapt(r.end) if r.end else None,
                    r.lon,
                    r.lat,
                    r.address,
                    r.unit_id,
                    source,
                    batch_id,
                    now,
                )
                for r in batch
            ]
            if copy:  # PostgreSQL: COPY moves rows without a statement per row
                with cursor.cursor.copy(copy_sql) as stream:
                    for row in values:
                        stream.write_row(row)
            else:
                cursor.executemany(sql, values)
            created += len(batch)
    return created
