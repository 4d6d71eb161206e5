"""Read incident points from a CSV file for file-based analysis (nothing is stored).

Columns are found by name, case-insensitively: type (type, crime type, category,
primary type), date (date, month, occ_date, date_single, occurred, epoch), lon/lat
(lon, longitude, lat, latitude) or x/y (x, y, x_coordina, y_coordina) with a CRS
(``crs="EPSG:2913"``). A file without a header is read as x, y, date (the Near
Repeat Calculator's layout). Dates: ISO (2016-01-31, with or without a time),
month only (2016-01), day-first dd/mm/yyyy, or US mm/dd/yyyy [hh:mm:ss AM] — the
slash order is decided once per file (a first field above 12 means day first), or
given as ``date_format``. Rows with empty coordinates or date are skipped and
counted; a malformed or impossible date (2026-13-01), a date in the future, or
coordinates that are not numbers, out of range or swapped refuse the file with
every such row named, as the incident import does.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from django.utils.translation import gettext as _

from jingmin.core.csvread import open_csv
from jingmin.core.exceptions import ImportFailed
from jingmin.core.geo_input import coordinate, placement

from .checks import MAX_LISTED, bad_time, future_problem, listed
from .grid import lonlat_from_crs

TYPE_NAMES = (
    "type",
    "crime type",
    "crime_type",
    "category",
    "primary type",
    "incident_type",
)
DATE_NAMES = (
    "date",
    "month",
    "occ_date",
    "date_single",
    "occurred",
    "epoch",
    "time",
    "t",
)
LON_NAMES = ("lon", "longitude", "lng")
LAT_NAMES = ("lat", "latitude")
X_NAMES = ("x", "x_coordina", "x_coordinate", "easting")
Y_NAMES = ("y", "y_coordina", "y_coordinate", "northing")


class InputError(ValueError):
    pass


@dataclass
class Points:
    lon: np.ndarray
    lat: np.ndarray
    dates: list[dt.date]
    hours: list[int | None]
    types: list[str]
    skipped: int = 0
    month_only: bool = False
    crs: str = "EPSG:4326"
    columns: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.dates)

    def ordinals(self) -> np.ndarray:
        return np.array([d.toordinal() for d in self.dates], dtype=np.int64)

    def select(self, keep: np.ndarray) -> Points:
        idx = np.flatnonzero(keep)
        return Points(
            self.lon[idx],
            self.lat[idx],
            [self.dates[i] for i in idx],
            [self.hours[i] for i in idx],
            [self.types[i] for i in idx],
            self.skipped,
            self.month_only,
            self.crs,
            self.columns,
        )


def _find(header: list[str], names: tuple[str, ...]) -> int | None:
    low = [h.strip().lower() for h in header]
    for n in names:
        if n in low:
            return low.index(n)
    return None


def parse_date(text: str, day_first: bool) -> tuple[dt.date, int | None, bool]:
    """(date, hour or None, month_only)."""
    s = text.strip()
    if len(s) == 7 and s[4] == "-":
        return dt.date(int(s[:4]), int(s[5:7]), 1), None, True
    if "/" in s:
        d_part, _, rest = s.partition(" ")
        a, b, c = d_part.split("/")
        day, month = (int(a), int(b)) if day_first else (int(b), int(a))
        date = dt.date(int(c), month, day)
        hour = None
        if rest:
            t = dt.datetime.strptime(
                rest.strip(),
                "%I:%M:%S %p"
                if rest.strip()[-1] in "MmPp"
                else "%H:%M:%S"
                if rest.count(":") == 2
                else "%H:%M",
            )
            hour = t.hour
        return date, hour, False
    if len(s) > 10:
        t = dt.datetime.fromisoformat(s.replace("Z", "+00:00"))
        return t.date(), t.hour, False
    return dt.date.fromisoformat(s), None, False


def _cell(row: list[str], index: int | None) -> str:
    return row[index].strip() if index is not None and index < len(row) else ""


def read_points(
    path: str | Path,
    *,
    crs: str | None = None,
    date_format: str | None = None,
    now: dt.datetime | None = None,
) -> Points:
    """The file's points; ImportFailed naming each bad row (nothing is analysed then).

    A row whose coordinates or date are empty is skipped and counted (public data
    often lacks a location); a value that is present but wrong is an error, checked
    as the incident import checks it (``checks``, ``jingmin.core.geo_input``).
    """
    with open_csv(path) as fh:
        rows = list(csv.reader(fh))
    if not rows:
        raise InputError(_("文件是空的"))
    header = rows[0]
    try:
        float(header[0])
        has_header = False
    except ValueError:
        has_header = True
    if has_header:
        body = rows[1:]
        ti = _find(header, TYPE_NAMES)
        di = _find(header, DATE_NAMES)
        lo, la = _find(header, LON_NAMES), _find(header, LAT_NAMES)
        xi, yi = _find(header, X_NAMES), _find(header, Y_NAMES)
    else:
        body, ti, di, lo, la, xi, yi = rows, None, 2, None, None, 0, 1
    use_xy = crs is not None or lo is None or la is None
    ci, cj = (xi, yi) if use_xy else (lo, la)
    if ci is None or cj is None:
        raise InputError(_("没有坐标列（lon/lat，或 x/y 加 --crs）"))
    if di is None:
        raise InputError(_("没有日期列（date、month、occ_date 等）"))
    if use_xy and crs is None:
        raise InputError(_("x/y 坐标须用 --crs 指明坐标系（例如 EPSG:26971）"))
    names = (
        [h.strip() for h in header] if has_header else ["x", "y", "date"]
    )  # fields as the file names them
    day_first = date_format == "dmy"
    if date_format is None:
        day_first = any(
            "/" in r[di]
            and r[di].split("/")[0].isdigit()
            and int(r[di].split("/")[0]) > 12
            for r in body
            if len(r) > di
        )
    xs, ys, dates, hours, types, lines = [], [], [], [], [], []
    errors: list[tuple[int, str, str]] = []
    skipped = 0
    month_only = True
    first = 2 if has_header else 1
    for number, r in enumerate(body, start=first):
        x_text, y_text, d_text = _cell(r, ci), _cell(r, cj), _cell(r, di)
        if not (x_text and y_text and d_text):
            skipped += 1
            continue
        try:
            x = coordinate(x_text, names[ci])
            y = coordinate(y_text, names[cj])
        except ValueError as exc:
            errors.append((number, f"{names[ci]}/{names[cj]}", str(exc)))
            continue
        try:
            d, h, mo = parse_date(d_text, day_first)
        except (ValueError, IndexError):
            errors.append((number, names[di], bad_time(names[di], d_text)))
            continue
        future = future_problem(d, now)
        if future:
            errors.append((number, names[di], future))
            continue
        xs.append(x)
        ys.append(y)
        dates.append(d)
        hours.append(h)
        types.append(_cell(r, ti))
        lines.append(number)
        month_only = month_only and mo
    problems: dict[int, str] = {}
    xs_a = np.array(xs, float)
    ys_a = np.array(ys, float)
    if use_xy and len(xs):
        lon, lat = lonlat_from_crs(xs_a, ys_a, crs)
    else:
        lon, lat = xs_a, ys_a
        _inside, problems = placement(lon, lat)
        field = f"{names[ci]}/{names[cj]}"
        errors += [(lines[k], field, message) for k, message in problems.items()]
    if errors:
        raise ImportFailed(
            _(
                "%(n)s 处错误，没有分析任何数据（共 %(rows)s 行有效）。以下列出前 %(k)s 处："
            )
            % {
                "n": len(errors),
                "rows": len(xs) - len(problems),
                "k": min(len(errors), MAX_LISTED),
            },
            listed(errors),
        )
    return Points(
        lon,
        lat,
        dates,
        hours,
        types,
        skipped,
        month_only and bool(dates),
        crs or "EPSG:4326",
        {"type": ti, "date": di, "x": ci, "y": cj, "header": has_header},
    )
