"""Point-in-jurisdiction: which unit's area holds this point?

500 synthetic jurisdictions tile the demo county (a Voronoi tessellation with
borders densified to ~``--vertices`` vertices per polygon, as surveyed borders are),
and ``--points`` random points (5 % outside the county) are routed with
``jingmin.core.geo.JurisdictionIndex``:

* batch: ``lookup_many`` points/s (target ≥ 1 M/s); baseline: a vectorised test of
  the same points against the county's bounding box (touching each point once);
* single: ``lookup`` latency p50/p99 (what one appeal submission pays);
* proposal: the same index behind a uniform grid whose cells lie wholly inside one
  jurisdiction (answered by a table look-up; only border cells reach the STRtree).
  It is measured here so that the change proposed to core/geo.py comes with figures.

Run alone: ``python -m bench.bench_routing [--points N] [--polygons N] [--smoke]``.
"""

from __future__ import annotations

import numpy as np
import shapely

from jingmin.core.geo import JurisdictionIndex

from . import _harness as h

WEST, EAST, SOUTH, NORTH = 119.95, 120.25, 30.00, 30.20  # the demo county


def tessellation(n: int, vertices: int, seed: int = 7) -> list[shapely.Geometry]:
    """n polygons with exact shared borders that cover the county box."""
    rng = np.random.default_rng(seed)
    box = shapely.box(WEST, SOUTH, EAST, NORTH)
    sites = shapely.multipoints(
        np.column_stack([rng.uniform(WEST, EAST, n), rng.uniform(SOUTH, NORTH, n)])
    )
    cells = shapely.get_parts(shapely.voronoi_polygons(sites, extend_to=box))
    cells = shapely.intersection(cells, box)
    cells = cells[~shapely.is_empty(cells)]
    # densify: a Voronoi cell has ~6 edges, a real border has hundreds of vertices
    perimeter = float(np.mean(shapely.length(cells)))
    cells = shapely.segmentize(cells, max(perimeter / max(vertices, 4), 1e-9))
    return list(cells)


def random_points(n: int, seed: int = 11) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    pad_x, pad_y = (EAST - WEST) * 0.025, (NORTH - SOUTH) * 0.025
    lons = rng.uniform(WEST - pad_x, EAST + pad_x, n)
    lats = rng.uniform(SOUTH - pad_y, NORTH + pad_y, n)
    return lons, lats


class GridIndex:
    """Proposal for core/geo.py: a grid of cells answered without geometry.

    A cell wholly covered by one jurisdiction maps to its key; every other point
    (border cells, outside the grid) is resolved by the exact STRtree query, so
    answers are identical to ``JurisdictionIndex.lookup_many``.
    """

    def __init__(self, index: JurisdictionIndex, cells_per_side: int = 512):
        self.index = index
        minx, miny, maxx, maxy = shapely.total_bounds(index.geoms)
        self.origin = (minx, miny)
        self.n = cells_per_side
        self.step = ((maxx - minx) / self.n, (maxy - miny) / self.n)
        ix, iy = np.meshgrid(np.arange(self.n), np.arange(self.n), indexing="ij")
        x0 = minx + ix.ravel() * self.step[0]
        y0 = miny + iy.ravel() * self.step[1]
        boxes = shapely.box(x0, y0, x0 + self.step[0], y0 + self.step[1])
        cell_idx, geom_idx = index.tree.query(boxes, predicate="within")
        # lowest position wins, as in lookup_many, should two areas overlap
        table = np.full(self.n * self.n, len(index.keys), dtype=np.int64)
        np.minimum.at(table, cell_idx, geom_idx)
        table[table == len(index.keys)] = -1
        self.table = table
        self.inner_share = float(np.mean(table >= 0))

    def lookup_many(self, lons: np.ndarray, lats: np.ndarray) -> np.ndarray:
        """Positions into index.keys (len(keys) = outside)."""
        missing = len(self.index.keys)
        gx = np.floor((lons - self.origin[0]) / self.step[0]).astype(np.int64)
        gy = np.floor((lats - self.origin[1]) / self.step[1]).astype(np.int64)
        inside = (gx >= 0) & (gx < self.n) & (gy >= 0) & (gy < self.n)
        result = np.full(len(lons), -1, dtype=np.int64)
        result[inside] = self.table[gx[inside] * self.n + gy[inside]]
        todo = np.flatnonzero(result < 0)
        result[todo] = missing
        if len(todo):
            points = shapely.points(lons[todo], lats[todo])
            p_idx, g_idx = self.index.tree.query(points, predicate="covered_by")
            sub = np.full(len(todo), missing, dtype=np.int64)
            np.minimum.at(sub, p_idx, g_idx)
            result[todo] = sub
        return result


def keys_array(index: JurisdictionIndex, lons, lats) -> np.ndarray:
    """The answers of lookup_many as positions, for comparing with the grid."""
    position = {k: i for i, k in enumerate(index.keys)}
    missing = len(index.keys)
    return np.array(
        [missing if k is None else position[k] for k in index.lookup_many(lons, lats)]
    )


def main(argv: list[str] | None = None) -> int:
    p = h.parser(__doc__.split("\n")[0])
    p.add_argument("--polygons", type=int, default=500)
    p.add_argument("--vertices", type=int, default=200)
    p.add_argument("--points", type=int, default=1_000_000)
    p.add_argument("--single", type=int, default=20_000)
    args = p.parse_args(argv)
    if args.smoke:
        args.polygons, args.points, args.single = 20, 2_000, 200
    repeat = 2 if args.smoke else 5

    geoms = tessellation(args.polygons, args.vertices)
    vertices = int(np.mean(shapely.get_num_coordinates(geoms)))
    index = JurisdictionIndex((f"unit-{i:04d}", g) for i, g in enumerate(geoms))
    lons, lats = random_points(args.points)
    n = len(lons)

    r = h.Report(
        f"Routing: {len(index)} jurisdictions (~{vertices} vertices each), {n:,} points"
    )

    def bbox_test():
        return (lons >= WEST) & (lons <= EAST) & (lats >= SOUTH) & (lats <= NORTH)

    base = h.time_call(bbox_test, repeat=repeat)
    batch = h.time_call(lambda: index.lookup_many(lons, lats), repeat=repeat)
    base_rate, batch_rate = n / base.median, n / batch.median
    r.add("bbox test (baseline)", base_rate, "points/s")
    r.add(
        "lookup_many batch",
        batch_rate,
        "points/s",
        baseline=base_rate,
        target="≥ 1 M/s",
        ok=batch_rate >= 1e6,
    )

    # where the batch time goes: building points, the tree query, the key list
    t_points = h.time_call(lambda: shapely.points(lons, lats), repeat=repeat).median
    pts = shapely.points(lons, lats)
    t_query = h.time_call(
        lambda: index.tree.query(pts, predicate="covered_by"), repeat=repeat
    ).median
    r.note(
        f"batch split: shapely.points {t_points / batch.median:.0%}, "
        f"STRtree covered_by query {t_query / batch.median:.0%}, "
        f"rest (min-reduce, key list) "
        f"{max(0.0, 1 - (t_points + t_query) / batch.median):.0%}"
    )

    single = h.time_each(lambda i: index.lookup(lons[i % n], lats[i % n]), args.single)
    r.add("lookup single p50", single.pct(50) * 1e6, "µs")
    r.add(
        "lookup single p99",
        single.pct(99) * 1e6,
        "µs",
        higher_is_better=False,
        target="≤ 1000 µs",
        ok=single.pct(99) <= 1e-3,
    )

    cells = 64 if args.smoke else 512
    grid_build = h.time_call(lambda: GridIndex(index, cells), repeat=1, warmup=0)
    grid = GridIndex(index, cells)
    if not np.array_equal(grid.lookup_many(lons, lats), keys_array(index, lons, lats)):
        raise AssertionError("grid proposal disagrees with JurisdictionIndex")
    fast = h.time_call(lambda: grid.lookup_many(lons, lats), repeat=repeat)
    fast_rate = n / fast.median
    r.add(
        "proposal: grid + STRtree batch",
        fast_rate,
        "points/s",
        baseline=base_rate,
        target="≥ 1 M/s",
        ok=fast_rate >= 1e6,
        note=f"{grid.n}² cells, {grid.inner_share:.0%} inner, "
        f"built in {grid_build.median:.2f} s; same answers",
    )
    return h.finish([r], args, title="bench_routing", databases="none")


if __name__ == "__main__":
    raise SystemExit(main())
