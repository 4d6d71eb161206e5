"""The Knox test for near repeats, with Monte Carlo significance.

Every pair of incidents is classed by its spatial distance band and its temporal
band. The observed table is compared with tables from permutations of the dates
among the locations (the Near Repeat Calculator's method): expected = mean of the
simulated tables, p = (1 + #simulations ≥ observed) / (1 + permutations).

Speed: only pairs closer than the outermost spatial band can change band under a
permutation, so those "close pairs" are found once with a k-d tree and only their
time differences are recomputed per permutation. Pairs farther apart form the
"more than" row, whose per-time-band count is the all-pairs time histogram (fixed
under permutation, computed by sorting) minus the close pairs' histogram.

Bands. Spatial edges e1 < … < ek give rows: same location (d = 0), (0, e1],
(e1, e2], …, more than ek. Temporal edges t1 < … < tm give columns [0, t1],
(t1, t2], …, more than tm — what the labels "0 to 7", "8 to 14" say for whole days.
The Near Repeat Calculator 1.3 instead bins with floor(d / bandwidth): a pair 7 days
apart falls in its "8 to 14" column and a pair exactly 100 m apart in "101 to 200"
(see nearrepeat-td_pathological_example.csv). ``convention="nrc"`` reproduces that:
[0, t1), [t1, t2), … and (0, e1), [e1, e2), …. The NRC measures Manhattan distance by
default; so does this module (``metric="euclidean"`` is available). The NRC also
keeps coordinates in single precision, which moves a few pairs lying within a few
millimetres of a band edge; the "nrc" convention rounds coordinates to float32 the
same way, and then reproduces the NRC's observed tables exactly.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.spatial import cKDTree


@dataclass
class KnoxResult:
    space_labels: list[str]
    time_labels: list[str]
    observed: np.ndarray
    expected: np.ndarray
    ratio: np.ndarray
    p: np.ndarray
    permutations: int
    n: int
    convention: str
    metric: str
    simulations: np.ndarray | None = field(default=None, repr=False)

    def as_dict(self) -> dict:
        """JSON-ready; a ratio with nothing expected (0/0) becomes None."""

        def clean(a: np.ndarray) -> list:
            return [
                [None if not np.isfinite(v) else float(v) for v in row]
                for row in np.round(a, 4)
            ]

        return {
            "n": self.n,
            "permutations": self.permutations,
            "convention": self.convention,
            "metric": self.metric,
            "space_bands": self.space_labels,
            "time_bands": self.time_labels,
            "observed": self.observed.tolist(),
            "expected": clean(self.expected),
            "ratio": clean(self.ratio),
            "p": clean(self.p),
        }


def _labels(
    edges: list[float], unit: str, convention: str, first: str | None
) -> list[str]:
    out = [first] if first else []
    lo = 0
    for e in edges:
        a = lo if (first is None and lo == 0) else lo + 1
        out.append(f"{_fmt(a)}–{_fmt(e)} {unit}")
        lo = e
    out.append(f">{_fmt(edges[-1])} {unit}")
    return out


def _fmt(v: float) -> str:
    return f"{v:g}"


def band_edges(bandwidth: float, bands: int) -> list[float]:
    """The NRC's way of asking: ``bands`` bands of ``bandwidth`` each."""
    return [bandwidth * (i + 1) for i in range(bands)]


def space_band(d: np.ndarray, edges: np.ndarray, convention: str) -> np.ndarray:
    side = "right" if convention == "nrc" else "left"
    band = np.searchsorted(edges, d, side=side) + 1
    band[d == 0] = 0
    return band


def time_band(dt: np.ndarray, edges: np.ndarray, convention: str) -> np.ndarray:
    side = "right" if convention == "nrc" else "left"
    return np.searchsorted(edges, dt, side=side)


def p_value(observed: float, simulated: np.ndarray) -> float:
    """One-sided Monte Carlo p: (1 + #simulated ≥ observed) / (1 + #simulations)."""
    simulated = np.asarray(simulated)
    return (1 + int((simulated >= observed).sum())) / (1 + simulated.size)


def _time_histogram_all_pairs(
    t_sorted: np.ndarray, edges: np.ndarray, convention: str
) -> np.ndarray:
    """Pairs per time band over all n(n−1)/2 pairs, from the sorted times in O(n log n)."""
    n = t_sorted.size
    idx = np.arange(n)
    # pairs (i<j in sorted order) with t_j - t_i within the edge
    side = "left" if convention == "nrc" else "right"
    cumulative = [
        int((np.searchsorted(t_sorted, t_sorted + e, side=side) - idx - 1).sum())
        for e in edges
    ]
    total = n * (n - 1) // 2
    cum = np.array(cumulative + [total], dtype=np.int64)
    return np.diff(np.concatenate([[0], cum]))


def knox(
    x,
    y,
    t,
    space_edges: list[float],
    time_edges: list[float],
    *,
    permutations: int = 99,
    seed: int | None = None,
    convention: str = "standard",
    metric: str = "manhattan",
    keep_simulations: bool = False,
    progress=None,
) -> KnoxResult:
    """Knox table; ``t`` in days (integers or floats), x/y in metres."""
    if convention not in {"standard", "nrc"}:
        raise ValueError("convention must be 'standard' or 'nrc'")
    if metric not in {"manhattan", "euclidean"}:
        raise ValueError("metric must be 'manhattan' or 'euclidean'")
    x = np.asarray(x, float)
    y = np.asarray(y, float)
    if convention == "nrc":
        x = x.astype(np.float32).astype(float)
        y = y.astype(np.float32).astype(float)
    t = np.asarray(t, float)
    n = x.size
    if n < 2:
        raise ValueError("the Knox test needs at least two incidents")
    se = np.asarray(sorted(space_edges), float)
    te = np.asarray(sorted(time_edges), float)
    if se.size == 0 or te.size == 0 or se[0] <= 0 or te[0] < 0:
        raise ValueError("space and time bands must be positive and non-empty")
    ns, nt = se.size + 2, te.size + 1

    tree = cKDTree(np.c_[x, y])
    p_norm = 1 if metric == "manhattan" else 2
    pairs = tree.query_pairs(se[-1], p=p_norm, output_type="ndarray")
    i, j = pairs[:, 0], pairs[:, 1]
    d = (
        np.abs(x[i] - x[j]) + np.abs(y[i] - y[j])
        if metric == "manhattan"
        else np.hypot(x[i] - x[j], y[i] - y[j])
    )
    sb = space_band(d, se, convention)
    keep = (
        sb <= se.size
    )  # query_pairs includes d == outermost edge (band "more than" under nrc)
    i, j, sb = i[keep], j[keep], sb[keep]
    all_t = _time_histogram_all_pairs(np.sort(t), te, convention)

    integral = bool(np.all(t == np.rint(t)))
    if integral:
        # lookup table from whole-day differences to bands: cheaper than searchsorted
        tmax = int(t.max() - t.min())
        lut = time_band(np.arange(tmax + 1, dtype=float), te, convention).astype(
            np.int64
        )
        ti = np.rint(t - t.min()).astype(np.int64)

        def table(tv: np.ndarray) -> np.ndarray:
            code = sb * nt + lut[np.abs(tv[i] - tv[j])]
            return np.bincount(code, minlength=(ns - 1) * nt)
    else:
        ti = t

        def table(tv: np.ndarray) -> np.ndarray:
            code = sb * nt + time_band(np.abs(tv[i] - tv[j]), te, convention)
            return np.bincount(code, minlength=(ns - 1) * nt)

    def full(close_counts: np.ndarray) -> np.ndarray:
        close = close_counts.reshape(ns - 1, nt)
        far = all_t - close.sum(axis=0)
        return np.vstack([close, far[None, :]])

    observed = full(table(ti))
    rng = np.random.default_rng(seed)
    sims = np.empty((permutations, ns, nt), dtype=np.int64)
    for k in range(permutations):
        sims[k] = full(table(ti[rng.permutation(n)]))
        if progress is not None and k % 50 == 0:
            progress(k / max(permutations, 1))
    expected = sims.mean(axis=0) if permutations else np.full(observed.shape, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(expected > 0, observed / expected, np.nan)
    larger = (sims >= observed[None]).sum(axis=0)
    p = (1 + larger) / (1 + permutations)
    return KnoxResult(
        space_labels=_labels(list(se), "m", convention, "same location"),
        time_labels=_labels(list(te), "d", convention, None),
        observed=observed,
        expected=expected,
        ratio=ratio,
        p=p,
        permutations=permutations,
        n=n,
        convention=convention,
        metric=metric,
        simulations=sims if keep_simulations else None,
    )
