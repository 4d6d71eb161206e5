"""Point-in-jurisdiction: which unit's area holds this point?

500 synthetic jurisdictions tile the demo county (a Voronoi tessellation with
borders densified to ~``--vertices`` vertices per polygon, as surveyed borders are),
and ``--points`` random points (5 % outside the county) are routed with
``jingmin.core.geo.JurisdictionIndex`` (a cell grid in front of an STRtree, see
docs/decisions/075-routing-grid.md):

* batch: ``lookup_many`` points/s (target ≥ 1 M/s); baseline: the exact STRtree
  test alone (``lookup_many_exact``, what the index did before the grid), same run,
  same points; the two must give the same answer for every point;
* single: ``lookup`` latency p50/p99 (what one appeal submission pays) against
  ``lookup_exact``;
* the grid: its build time (paid once per process and after a re-import), its size
  and the share of cells answered from the table.

Run alone: ``python -m bench.bench_routing [--points N] [--polygons N] [--smoke]``.
"""

from __future__ import annotations

import numpy as np
import shapely

from jingmin.core.geo import BORDER, CellGrid, JurisdictionIndex, grid_side

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

    def bbox_test():
        return (lons >= WEST) & (lons <= EAST) & (lats >= SOUTH) & (lats <= NORTH)

    r = h.Report(
        f"Routing: {len(index)} jurisdictions (~{vertices} vertices each), {n:,} points"
    )
    build = h.time_call(
        lambda: CellGrid(index.geoms, index.tree, grid_side(len(index))),
        repeat=1,
        warmup=0,
    )
    grid = index.grid  # built here, outside the timed look-ups
    exact_answers = index.lookup_many_exact(lons, lats)
    if index.lookup_many(lons, lats) != exact_answers:
        raise AssertionError("the grid disagrees with the exact STRtree test")

    exact = h.time_call(lambda: index.lookup_many_exact(lons, lats), repeat=repeat)
    batch = h.time_call(lambda: index.lookup_many(lons, lats), repeat=repeat)
    exact_rate, batch_rate = n / exact.median, n / batch.median
    r.add("exact STRtree batch (baseline)", exact_rate, "points/s")
    r.add(
        "lookup_many batch (grid + STRtree)",
        batch_rate,
        "points/s",
        baseline=exact_rate,
        target="≥ 1 M/s",
        ok=batch_rate >= 1e6,
        note="same answers for every point",
    )
    border = float(np.mean(grid.positions(lons, lats) == BORDER))
    t_grid = h.time_call(lambda: grid.positions(lons, lats), repeat=repeat).median
    r.note(
        f"batch split: the table {t_grid / batch.median:.0%} of the time; the "
        f"{border:.1%} of points in border cells go to the STRtree (the rest of "
        f"the time, with the key list); bounding-box test of the same points "
        f"{n / h.time_call(bbox_test, repeat=repeat).median / 1e6:,.0f} M points/s"
    )
    r.add(
        "grid build",
        build.median,
        "s",
        higher_is_better=False,
        note=f"{grid.side}² cells, {grid.inner_share:.1%} answered by the table, "
        f"{grid.table.nbytes / 2**20:.0f} MiB, {grid.tested:,} boxes tested; "
        "once per process and after each re-import",
    )

    exact_single = h.time_each(
        lambda i: index.lookup_exact(lons[i % n], lats[i % n]), args.single
    )
    single = h.time_each(lambda i: index.lookup(lons[i % n], lats[i % n]), args.single)
    for q in (50, 99):
        r.add(f"lookup_exact single p{q} (baseline)", exact_single.pct(q) * 1e6, "µs")
        r.add(
            f"lookup single p{q}",
            single.pct(q) * 1e6,
            "µs",
            baseline=exact_single.pct(q) * 1e6,
            higher_is_better=False,
            **(
                {"target": "≤ 1000 µs", "ok": single.pct(99) <= 1e-3} if q == 99 else {}
            ),
        )
    return h.finish([r], args, title="bench_routing", databases="none")


if __name__ == "__main__":
    raise SystemExit(main())
