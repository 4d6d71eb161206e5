"""Read incident points from a CSV file for file-based analysis (nothing is stored).

Columns are found by name, case-insensitively: type (type, crime type, category,
primary type), date (date, month, occ_date, date_single, occurred, epoch), lon/lat
(lon, longitude, lat, latitude) or x/y (x, y, x_coordina, y_coordina) with a CRS
(``crs="EPSG:2913"``). A file without a header is read as x, y, date (the Near
Repeat Calculator's layout). Dates: ISO (2016-01-31, with or without a time),
month only (2016-01), day-first dd/mm/yyyy, or US mm/dd/yyyy [hh:mm:ss AM] — the
slash order is decided once per file (a first field above 12 means day first), or
given as ``date_format``. Rows without coordinates or date are skipped and counted.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

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


def read_points(
    path: str | Path, *, crs: str | None = None, date_format: str | None = None
) -> Points:
    with open(path, newline="", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    if not rows:
        raise InputError("the file is empty")
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
        raise InputError("no coordinate columns (lon/lat, or x/y with --crs)")
    if di is None:
        raise InputError("no date column (date, month, occ_date …)")
    if use_xy and crs is None:
        raise InputError("x/y coordinates need --crs (e.g. EPSG:26971)")
    day_first = date_format == "dmy"
    if date_format is None:
        day_first = any(
            "/" in r[di]
            and r[di].split("/")[0].isdigit()
            and int(r[di].split("/")[0]) > 12
            for r in body
            if len(r) > di
        )
    xs, ys, dates, hours, types = [], [], [], [], []
    skipped = 0
    month_only = True
    for r in body:
        try:
            x = float(r[ci])
            y = float(r[cj])
            d, h, mo = parse_date(r[di], day_first)
        except (ValueError, IndexError):
            skipped += 1
            continue
        if not (np.isfinite(x) and np.isfinite(y)):
            skipped += 1
            continue
        xs.append(x)
        ys.append(y)
        dates.append(d)
        hours.append(h)
        types.append(r[ti].strip() if ti is not None and ti < len(r) else "")
        month_only = month_only and mo
    xs_a = np.array(xs, float)
    ys_a = np.array(ys, float)
    if use_xy and len(xs):
        lon, lat = lonlat_from_crs(xs_a, ys_a, crs)
    else:
        lon, lat = xs_a, ys_a
        bad = (np.abs(lon) > 180) | (np.abs(lat) > 90)
        if bad.any():
            raise InputError(
                f"{int(bad.sum())} rows have lon/lat outside ±180/±90; projected x/y need --crs"
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
