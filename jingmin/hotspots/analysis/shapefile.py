"""A small reader for ESRI shapefiles (.shp polygons + .dbf attributes).

Enough for forecast submissions and boundaries: shape types 5 (Polygon), 15
(PolygonZ) and 25 (PolygonM); rings are grouped into polygons by orientation
(clockwise = outer ring, as the format specifies). Attributes are decoded as text,
numbers for N/F fields.
"""

from __future__ import annotations

import struct
from pathlib import Path

import shapely
from shapely.geometry import MultiPolygon, Polygon

POLYGON_TYPES = {5, 15, 25}


def _signed_area(ring: list[tuple[float, float]]) -> float:
    return 0.5 * sum(
        x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:], strict=False)
    )


def _polygon(rings: list[list[tuple[float, float]]]) -> shapely.Geometry:
    outers: list[list] = []
    holes: list[list] = []
    for ring in rings:
        (outers if _signed_area(ring) <= 0 else holes).append(ring)
    if not outers:  # some writers ignore orientation
        outers, holes = holes, []
    polys = [[o, []] for o in outers]
    for h in holes:
        for p in polys:
            if Polygon(p[0]).covers(shapely.Point(h[0])):
                p[1].append(h)
                break
    built = [Polygon(o, hs) for o, hs in polys]
    return built[0] if len(built) == 1 else MultiPolygon(built)


def read_shp(path: str | Path) -> list[shapely.Geometry | None]:
    data = Path(path).read_bytes()
    if struct.unpack(">i", data[:4])[0] != 9994:
        raise ValueError(f"{path}: not a shapefile")
    out: list[shapely.Geometry | None] = []
    pos = 100
    while pos + 8 <= len(data):
        _num, length = struct.unpack(">ii", data[pos : pos + 8])
        body = data[pos + 8 : pos + 8 + 2 * length]
        pos += 8 + 2 * length
        stype = struct.unpack("<i", body[:4])[0]
        if stype == 0:
            out.append(None)
            continue
        if stype not in POLYGON_TYPES:
            raise ValueError(f"{path}: shape type {stype} is not supported")
        nparts, npoints = struct.unpack("<ii", body[36:44])
        parts = list(struct.unpack(f"<{nparts}i", body[44 : 44 + 4 * nparts]))
        base = 44 + 4 * nparts
        coords = struct.unpack(f"<{2 * npoints}d", body[base : base + 16 * npoints])
        pts = list(zip(coords[0::2], coords[1::2], strict=False))
        bounds = parts + [npoints]
        out.append(
            _polygon([pts[a:b] for a, b in zip(bounds, bounds[1:], strict=False)])
        )
    return out


def read_dbf(path: str | Path, encoding: str = "latin-1") -> list[dict]:
    data = Path(path).read_bytes()
    nrec, hlen, rlen = struct.unpack("<IHH", data[4:12])
    fields = []
    pos = 32
    while data[pos] != 0x0D:
        name = data[pos : pos + 11].split(b"\0")[0].decode("ascii")
        ftype = chr(data[pos + 11])
        flen = data[pos + 16]
        fields.append((name, ftype, flen))
        pos += 32
    rows = []
    for i in range(nrec):
        rec = data[hlen + i * rlen : hlen + (i + 1) * rlen]
        if rec[:1] == b"*":
            continue
        off = 1
        row: dict = {}
        for name, ftype, flen in fields:
            raw = rec[off : off + flen].decode(encoding).strip()
            off += flen
            if ftype in "NF":
                try:
                    row[name] = float(raw) if any(c in raw for c in ".eE") else int(raw)
                except ValueError:
                    row[name] = None
            else:
                row[name] = raw
        rows.append(row)
    return rows


def read_shapefile(path: str | Path) -> list[tuple[shapely.Geometry | None, dict]]:
    """(geometry, attributes) per record; ``path`` with or without the .shp suffix."""
    base = Path(path)
    base = base.with_suffix("") if base.suffix.lower() == ".shp" else base
    geoms = read_shp(base.with_suffix(".shp"))
    dbf = base.with_suffix(".dbf")
    attrs = read_dbf(dbf) if dbf.exists() else [{} for _ in geoms]
    return list(zip(geoms, attrs, strict=False))
