"""Hot spots: Gi* against esda, Knox speed, a million-row import, PAI on real data.

* Gi*: ``gi_star_grid`` (convolution) on a 1000×1000 grid; esda 2.9 ``G_Local(star=True,
  permutations=0)`` with ``lat2W`` queen weights on growing grids until one would take
  over a minute; the ratio is taken on the largest grid esda finished, and the z-scores
  are compared there (must be identical to 1e-9).
* Knox: 10,000 Chicago burglaries (a fixed random sample of the real file) × 999
  permutations, 4 × 4 bands; baseline: one permutation done the plain way (all n² pairs,
  in row chunks), times 1000.
* Import: 1,000,000 synthetic incidents in the demo county through
  ``jingmin hotspots import`` (validate pass + insert pass, one transaction), rows/s and
  the peak RSS of that process; baseline: reading the same file with csv.reader.
* PAI: each real data set with enough months: forecast (recent_kde) vs the naive
  baseline (last 12 months' counts) over the last 12 held-out months, study area fixed;
  and the NIJ submission TEAM_KERNEL_GLITCHES scored on Portland's vehicle thefts.

Run alone: ``python -m bench.bench_hotspots [--only gi,knox,import,pai] [--rows N] [--smoke]``.
"""

from __future__ import annotations

import csv
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np

from . import _harness as h

CRIME_DATA = Path(
    os.environ.get("JINGMIN_CRIME_DATA", h.ROOT.parent / "shared" / "crime-data")
)
ESDA_BUDGET = 60.0


# --------------------------------------------------------------------------- Gi*


def bench_gi(r: h.Report, smoke: bool) -> None:
    from jingmin.hotspots.analysis.gi_star import gi_star_grid, queen_kernel

    big = 100 if smoke else 1000
    rng = np.random.default_rng(1)
    y = rng.poisson(0.8, (big, big)).astype(float)
    ours_big = h.time_call(
        lambda: gi_star_grid(y, queen_kernel()), repeat=1 if smoke else 3
    )
    r.add(f"Gi* ours {big}×{big} queen", ours_big.median, "s", higher_is_better=False)
    try:
        import esda
        import libpysal
    except ImportError:
        r.note("esda/libpysal not installed: no baseline")
        return
    sizes = [20, 40] if smoke else [100, 200, 300, 400, 500, 700, 1000]
    done = None
    last = None
    for n in sizes:
        if last is not None and last[1] * (n * n) / (last[0] ** 2) > ESDA_BUDGET:
            r.note(
                f"esda on {n}×{n} would take about {last[1] * (n * n) / last[0] ** 2:.0f} s: stopped at {last[0]}×{last[0]}"
            )
            break
        yn = rng.poisson(0.8, (n, n)).astype(float)
        t0 = time.perf_counter()
        w = libpysal.weights.lat2W(n, n, rook=False)
        t1 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            g = esda.G_Local(yn.ravel(), w, transform="B", star=True, permutations=0)
        t2 = time.perf_counter()
        last = (n, t2 - t0)
        done = (n, yn, g.Zs, t1 - t0, t2 - t1)
        print(
            f"  esda {n}×{n}: weights {t1 - t0:.2f} s, G_Local {t2 - t1:.2f} s",
            flush=True,
        )
        if t2 - t0 > ESDA_BUDGET:
            break
    n, yn, zs, t_w, t_g = done
    ours = h.time_call(lambda: gi_star_grid(yn, queen_kernel()), repeat=3)
    diff = float(np.abs(gi_star_grid(yn, queen_kernel()).z.ravel() - zs).max())
    r.add(f"Gi* esda {n}×{n} (lat2W + G_Local)", t_w + t_g, "s", higher_is_better=False)
    r.add(
        f"Gi* speed-up vs esda on {n}×{n} incl. weights",
        (t_w + t_g) / ours.median,
        "×",
        target="≥ 50×",
        ok=(t_w + t_g) / ours.median >= 50,
    )
    r.add(f"Gi* speed-up vs esda on {n}×{n} G_Local only", t_g / ours.median, "×")
    r.add(
        f"Gi* max abs diff z ours vs esda on {n}×{n}",
        diff,
        "",
        target="≤ 1e-9",
        ok=diff <= 1e-9,
    )


# --------------------------------------------------------------------------- Knox


def chicago_sample(n: int):
    from jingmin.hotspots.analysis.points import read_points

    p = read_points(
        CRIME_DATA / "nearrepeat-td_chicago_burglary_2014_2017.csv", crs="EPSG:26971"
    )
    from jingmin.hotspots.analysis.grid import Projection

    idx = np.random.default_rng(0).choice(len(p), min(n, len(p)), replace=False)
    proj = Projection.centred_on(p.lon, p.lat)
    x, y = proj.to_xy(p.lon[idx], p.lat[idx])
    return x, y, p.ordinals()[idx].astype(float)


def bench_knox(r: h.Report, smoke: bool) -> None:
    from jingmin.hotspots.analysis.knox import knox, space_band, time_band

    n, perms = (500, 19) if smoke else (10_000, 999)
    x, y, t = chicago_sample(n)
    se, te = [100, 200, 300, 400], [7, 14, 21, 28]
    start = time.perf_counter()
    res = knox(x, y, t, se, te, permutations=perms, seed=1)
    ours = time.perf_counter() - start

    def naive_one() -> np.ndarray:
        tp = t[np.random.default_rng(2).permutation(n)]
        table = np.zeros((len(se) + 2) * (len(te) + 1), np.int64)
        for i in range(0, n - 1, 500):
            rows = np.arange(i, min(i + 500, n - 1))
            for a in rows:
                d = np.abs(x[a] - x[a + 1 :]) + np.abs(y[a] - y[a + 1 :])
                code = space_band(d, np.array(se, float), "standard") * (
                    len(te) + 1
                ) + time_band(
                    np.abs(tp[a] - tp[a + 1 :]), np.array(te, float), "standard"
                )
                table += np.bincount(code, minlength=table.size)
        return table

    one = h.time_call(naive_one, repeat=1, warmup=0).median
    r.add(
        f"Knox {n:,} incidents × {perms} permutations",
        ours,
        "s",
        higher_is_better=False,
        baseline=one * (perms + 1),
        target="< 10 s" if not smoke else "",
        ok=(ours < 10) if not smoke else None,
    )
    r.note(
        f"Knox baseline: all-pairs, one permutation {one:.2f} s, × {perms + 1}; "
        f"ratio/obs-exp at 0–100 m, 0–7 d = {res.ratio[1, 0]:.2f} (p = {res.p[1, 0]:.3f})"
    )


# --------------------------------------------------------------------------- import


def write_incidents(path: Path, rows: int) -> None:
    from jingmin.hotspots.demo import TYPES

    rng = np.random.default_rng(5)
    codes = [t[0] for t in TYPES]
    lon = rng.uniform(119.951, 120.249, rows)
    lat = rng.uniform(30.001, 30.199, rows)
    kinds = rng.integers(0, len(codes), rows)
    minutes = rng.integers(0, 700 * 24 * 60, rows)
    t0 = dt.datetime(2024, 6, 1)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write("type,time,lon,lat,address\n")
        for k in range(rows):
            when = t0 + dt.timedelta(minutes=int(minutes[k]))
            fh.write(
                f"{codes[kinds[k]]},{when:%Y-%m-%d %H:%M},{lon[k]:.6f},{lat[k]:.6f},人民路{k % 300}号附近\n"
            )


SETUP = (
    "from jingmin.org import demo as o; o.seed()\n"
    "from jingmin.hotspots.demo import TYPES\n"
    "from jingmin.hotspots.models import IncidentType\n"
    "[IncidentType.objects.get_or_create(code=c, defaults={'name': n, 'prevention_tip': t}) for c, n, t in TYPES]\n"
)


def bench_import(r: h.Report, smoke: bool, rows: int, databases: list[str]) -> None:
    rows = 2000 if smoke else rows
    with tempfile.TemporaryDirectory(prefix="hs-import-") as tmp:
        path = Path(tmp) / "incidents.csv"
        write_incidents(path, rows)
        read = h.time_call(
            lambda: sum(1 for _ in csv.reader(open(path, encoding="utf-8"))), repeat=1
        ).median
        size = path.stat().st_size / 2**20
        for kind in databases:
            # a name of its own: a concurrent run (the suite's smoke test) keeps its
            with h.throwaway_database(kind, f"jm_bench_hotspots_{os.getpid()}") as (
                url,
                var,
            ):
                env = h.app_env(url, var)
                subprocess.run(
                    h.jingmin_cmd("migrate", "-v0"),
                    env=env,
                    cwd=h.ROOT,
                    check=True,
                    capture_output=True,
                )
                subprocess.run(
                    h.jingmin_cmd("shell", "-c", SETUP),
                    env=env,
                    cwd=h.ROOT,
                    check=True,
                    capture_output=True,
                )
                _s, _w, idle = h.run_measured(
                    [sys.executable, "-c", "import django; django.setup()"],
                    env=env,
                    cwd=h.ROOT,
                )
                # The peak is the import process's own VmHWM (run_measured): wait4's
                # ru_maxrss would report this benchmark process's peak (Gi*, Knox and
                # esda ran in it), inherited across fork and exec: the 4.6 GB once
                # recorded here. stderr goes to a file: an unread pipe could fill up.
                err_path = Path(tmp) / f"import-{kind}.err"
                with open(err_path, "wb") as err:
                    status, wall, rss = h.run_measured(
                        h.jingmin_cmd(
                            "hotspots", "import", str(path), "--quiet-progress"
                        ),
                        env=env,
                        cwd=h.ROOT,
                        stdout=subprocess.DEVNULL,
                        stderr=err,
                    )
                if status:
                    tail = err_path.read_text(errors="replace").strip()[-300:]
                    r.note(f"import on {kind} failed (exit {status}): {tail}")
                    continue
                r.add(
                    f"import {rows:,} rows CSV ({kind})",
                    rows / wall,
                    "rows/s",
                    baseline=rows / read,
                    note="baseline: csv.reader over the file",
                )
                r.add(
                    f"import peak RSS ({kind})",
                    rss,
                    "MiB",
                    baseline=idle or None,
                    higher_is_better=False,
                    note=f"file {size:.0f} MiB, the import process's own VmHWM; "
                    "baseline: a process that only runs django.setup()",
                )


# --------------------------------------------------------------------------- PAI

DATASETS = [
    # file, crs, cell (m), boundary
    ("nij-portland_crimes_bur.csv", "EPSG:2913", 250, "portland"),
    ("nij-portland_crimes_veh.csv", "EPSG:2913", 250, "portland"),
    ("nearrepeat-td_chicago_burglary_2014_2017.csv", "EPSG:26971", 250, None),
    ("policeuk_bicycle_theft_btp_2015-12_2018-11.csv", None, 1000, None),
    ("policeuk_bicycle_theft_ni_btp_2015-12_2018-11.csv", None, 1000, None),
]
TOO_SHORT = [
    "opencp_chicago_southside_2016.csv",
    "policeuk_camden_2019-06_all_types.csv",
    "policeuk_west_yorkshire_2017_sample_crime-sim-toolkit.csv",
    "nearrepeat-ws_chicago_be_month1.csv",
    "nearrepeat-ws_chicago_arson.csv",
]


def portland_boundary(proj):
    import shapely

    from jingmin.hotspots.analysis.grid import lonlat_from_crs

    rows = list(csv.reader(open(CRIME_DATA / "nij-portland_boundary_coords.csv")))[1:]
    lon, lat = lonlat_from_crs(
        [float(a[0]) for a in rows], [float(a[1]) for a in rows], "EPSG:2913"
    )
    x, y = proj.to_xy(lon, lat)
    return shapely.Polygon(np.c_[x, y])


def bench_pai(r: h.Report, smoke: bool) -> None:
    from jingmin.hotspots.analysis import forecast as fc
    from jingmin.hotspots.analysis.grid import Projection, grid_for_points
    from jingmin.hotspots.analysis.points import read_points

    beaten = 0
    sets = DATASETS[:1] if smoke else DATASETS
    for name, crs, cell, boundary in sets:
        p = read_points(CRIME_DATA / name, crs=crs)
        proj = Projection.centred_on(p.lon, p.lat)
        x, y = proj.to_xy(p.lon, p.lat)
        grid = grid_for_points(x, y, cell)
        mask = fc.study_mask(grid, x, y, portland_boundary(proj) if boundary else None)
        months = np.array([fc.month_number(d) for d in p.dates])
        m0, m1 = int(months.min()), int(months.max())
        cube = fc.monthly_cube(grid, x, y, months, m0, m1)
        comp = fc.compare(cube, grid, mask, cube.shape[0] - 12, m0, coverage=0.01)
        f, b = comp.results["recent_kde"], comp.results["naive"]
        beaten += comp.forecast_beats_baseline
        short = name.split("_", 1)[0] + ":" + name.split("_", 1)[1][:28]
        r.add(
            f"PAI {short}",
            f.mean_pai,
            "PAI",
            baseline=b.mean_pai,
            target="> baseline",
            ok=comp.forecast_beats_baseline,
            note=f"hit {f.mean_hit_rate:.1%} vs {b.mean_hit_rate:.1%}; {len(p):,} incidents, "
            f"{comp.held_out[0]}..{comp.held_out[-1]}, study area {comp.study_area_km2:,} km² "
            f"({'city boundary' if boundary else 'convex hull'}), {cell} m cells, top 1 %",
        )
    r.note(
        f"forecast beat the naive baseline on {beaten} of {len(sets)} data sets; not enough months "
        f"(≥ 24) in: {', '.join(TOO_SHORT)}"
    )
    if smoke:
        return
    from jingmin.hotspots.analysis.shapefile import read_shapefile

    districts = read_shapefile(
        CRIME_DATA / "nij-portland_Portland_Police_Districts.shp"
    )
    study = sum(g.area for g, _a in districts)
    rows = list(csv.DictReader(open(CRIME_DATA / "nij-portland_crimes_veh.csv")))
    for horizon, months in (("1MO", ("2017-03",)), ("2MO", ("2017-03", "2017-04"))):
        sub = read_shapefile(
            CRIME_DATA / f"nij-portland_TEAM_KERNEL_GLITCHES_TOA_{horizon}.shp"
        )
        hot = [g for g, a in sub if a.get("hotspot") == 1]
        pts = [
            (float(q["x_coordina"]), float(q["y_coordina"]))
            for q in rows
            if q["occ_date"][:7] in months
        ]
        # US feet throughout: the ratios in PAI do not depend on the unit
        s = fc.score_polygons(hot, [a for a, _b in pts], [b for _a, b in pts], study)
        r.add(
            f"PAI NIJ TEAM_KERNEL_GLITCHES {horizon} (veh)",
            s.pai,
            "PAI",
            note=f"{s.hits}/{s.incidents} hits in {len(hot)} cells, {s.hot_area_km2 * 1e6 / 5280**2:.3f} sq mi "
            f"of {study / 5280**2:.2f} sq mi",
        )


def main(argv: list[str] | None = None) -> int:
    p = h.parser(__doc__.split("\n")[0])
    p.add_argument("--only", default="gi,knox,import,pai")
    p.add_argument("--rows", type=int, default=1_000_000)
    h.databases_arg(p, default="sqlite,postgres")
    args = p.parse_args(argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jingmin.settings")
    import django

    django.setup()  # for the incident-type list and translations; no database is touched here
    parts = set(args.only.split(","))
    r = h.Report("hot spots (Gi*, Knox, import, PAI)")
    if "gi" in parts:
        bench_gi(r, args.smoke)
    if "knox" in parts and CRIME_DATA.is_dir():
        bench_knox(r, args.smoke)
    if "import" in parts:
        kinds = h.chosen_databases(args.databases)
        bench_import(r, args.smoke, args.rows, kinds[:1] if args.smoke else kinds)
    if "pai" in parts and CRIME_DATA.is_dir():
        bench_pai(r, args.smoke)
    return h.finish([r], args, title="bench_hotspots", databases=args.databases)


if __name__ == "__main__":
    sys.exit(main())
