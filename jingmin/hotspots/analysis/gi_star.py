"""Getis-Ord Gi* on a grid, vectorised, with the same numbers as esda.

What esda 2.9 ``G_Local(y, w, star=True)`` does, and what we reproduce:

* A weights object without a diagonal gets a self-weight of 1 (binary weights, or
  any weights with ``transform="B"``; for row-standardised weights esda uses the
  row maximum, which is also 1 for binary contiguity/distance bands).
* ``transform="R"`` then divides each row by its sum (k + 1 with the self-weight);
  ``"B"`` keeps the binary weights. esda's default is "R"; we default to "B"
  because that is the Gi* of Getis & Ord (1995) and of ArcGIS.
* G_i = Σ_j w_ij y_j / Σ y;  E = W_i / n;  Var = W_i (n − W_i) / (n − 1) / n² · s² / ȳ²
  with W_i the row sum and s² the population variance; z = (G_i − E) / √Var.
* esda's ``p_norm`` is one-sided (``norm.sf(|z|)``); we report the two-sided
  p = 2·sf(|z|), the usual basis of the 90/95/99 % hot/cold classes.

On a grid W·y is a correlation with a kernel (3×3 ones for queen contiguity, a
disc for a distance band), done with scipy.ndimage (exact sums) or FFT for big
kernels (rounded back to integers when the counts are integers). A mask restricts
the analysis to the study area: cells outside are not in n and are no one's
neighbours.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage, signal, sparse, stats

CLASS_LABELS = {
    3: "hot_99",
    2: "hot_95",
    1: "hot_90",
    0: "ns",
    -1: "cold_90",
    -2: "cold_95",
    -3: "cold_99",
}
FFT_ABOVE = 121
"""Kernels with more cells than this are applied with FFT."""


@dataclass
class GiResult:
    z: np.ndarray
    p: np.ndarray
    """two-sided normal p-values"""
    p_fdr: np.ndarray
    """Benjamini–Hochberg adjusted p-values (over the cells of the study area)"""
    classes: np.ndarray
    """+3/+2/+1 hot at 99/95/90 %, −1..−3 cold, 0 not significant (by p_fdr or p)"""
    n: int


def queen_kernel() -> np.ndarray:
    return np.ones((3, 3))


def distance_kernel(distance: float, cell: float) -> np.ndarray:
    """Cells whose centres lie within ``distance`` of the centre cell (itself included)."""
    r = int(np.floor(distance / cell))
    off = np.arange(-r, r + 1)
    dx, dy = np.meshgrid(off, off)
    return ((dx * dx + dy * dy) * cell * cell <= distance * distance + 1e-9).astype(
        float
    )


def _correlate(a: np.ndarray, kernel: np.ndarray, integral: bool) -> np.ndarray:
    if kernel.size <= FFT_ABOVE:
        return ndimage.correlate(a, kernel, mode="constant", cval=0.0)
    out = signal.fftconvolve(a, kernel[::-1, ::-1], mode="same")
    return np.rint(out) if integral else out


def gi_star_grid(
    counts: np.ndarray,
    kernel: np.ndarray,
    *,
    mask: np.ndarray | None = None,
    transform: str = "B",
    fdr: bool = True,
) -> GiResult:
    """Gi* for every cell of a 2-D count array; cells outside ``mask`` get z=0, p=1."""
    y = np.asarray(counts, dtype=float)
    m = np.ones(y.shape, bool) if mask is None else np.asarray(mask, bool)
    ym = np.where(m, y, 0.0)
    mf = m.astype(float)
    integral = bool(np.all(ym == np.rint(ym)))
    wy = _correlate(ym, kernel, integral)
    card = (
        np.rint(_correlate(mf, kernel, True))
        if np.all(kernel == 1) or np.all((kernel == 0) | (kernel == 1))
        else _correlate(mf, kernel, False)
    )
    if transform.upper() == "R":
        with np.errstate(divide="ignore", invalid="ignore"):
            wy = np.where(card > 0, wy / card, 0.0)
        card = np.where(card > 0, 1.0, 0.0)
    elif transform.upper() != "B":
        raise ValueError("transform must be 'B' or 'R'")
    z = _z_from_sums(wy[m], card[m], ym[m])
    return _finish(z, m, fdr)


def gi_star_sparse(
    y, w: sparse.spmatrix, *, transform: str = "B", fdr: bool = True
) -> GiResult:
    """Gi* with an arbitrary sparse weights matrix; a missing diagonal becomes 1 as in esda."""
    y = np.asarray(y, dtype=float).ravel()
    w = sparse.csr_matrix(w, dtype=float)
    if np.all(w.diagonal() == 0):
        w = (w + sparse.identity(w.shape[0], format="csr")).tocsr()
    if transform.upper() == "R":
        rs = np.asarray(w.sum(axis=1)).ravel()
        w = sparse.diags(1.0 / rs) @ w
    wy = w @ y
    card = np.asarray(w.sum(axis=1)).ravel()
    z = _z_from_sums(wy, card, y)
    return _finish(z, np.ones(len(y), bool), fdr)


def _z_from_sums(wy: np.ndarray, card: np.ndarray, y: np.ndarray) -> np.ndarray:
    n = y.size
    total = y.sum()
    mean = total / n
    var = (y * y).sum() / n - mean * mean
    if n < 2 or total == 0 or var <= 0:
        return np.zeros(n)
    g = wy / total
    eg = card / n
    vg = card * (n - card) / (n - 1) / (n * n) * var / (mean * mean)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.where(vg > 0, (g - eg) / np.sqrt(vg), 0.0)
    return z


def _finish(z_in: np.ndarray, m: np.ndarray, fdr: bool) -> GiResult:
    z = np.zeros(m.shape)
    z[m] = z_in
    p = np.ones(m.shape)
    p[m] = 2.0 * stats.norm.sf(np.abs(z_in))
    p_fdr = np.ones(m.shape)
    p_fdr[m] = fdr_bh(p[m])
    classes = classify(z, p_fdr if fdr else p)
    classes[~m] = 0
    return GiResult(z=z, p=p, p_fdr=p_fdr, classes=classes, n=int(m.sum()))


def fdr_bh(p: np.ndarray) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (monotone, capped at 1)."""
    p = np.asarray(p, dtype=float).ravel()
    n = p.size
    if n == 0:
        return p
    order = np.argsort(p, kind="stable")
    ranked = p[order] * n / np.arange(1, n + 1)
    adj = np.minimum.accumulate(ranked[::-1])[::-1]
    out = np.empty(n)
    out[order] = np.minimum(adj, 1.0)
    return out


def classify(z: np.ndarray, p: np.ndarray) -> np.ndarray:
    level = np.select([p <= 0.01, p <= 0.05, p <= 0.10], [3, 2, 1], 0)
    return (np.sign(z) * level).astype(np.int8)


# --- weights matrices (for checks against esda and for irregular areas) ----


def grid_weights(rows: int, cols: int, kernel: np.ndarray) -> sparse.csr_matrix:
    """The sparse n×n matrix equivalent to correlating with ``kernel`` (self-weight included)."""
    kr, kc = kernel.shape
    ids = np.arange(rows * cols).reshape(rows, cols)
    rr, cc = np.nonzero(kernel)
    src, dst, val = [], [], []
    for dr, dc in zip(rr - kr // 2, cc - kc // 2, strict=False):
        r0, r1 = max(0, -dr), min(rows, rows - dr)
        c0, c1 = max(0, -dc), min(cols, cols - dc)
        if r0 >= r1 or c0 >= c1:
            continue
        a = ids[r0:r1, c0:c1].ravel()
        b = ids[r0 + dr : r1 + dr, c0 + dc : c1 + dc].ravel()
        src.append(a)
        dst.append(b)
        val.append(np.full(a.size, kernel[dr + kr // 2, dc + kc // 2]))
    n = rows * cols
    return sparse.csr_matrix(
        (np.concatenate(val), (np.concatenate(src), np.concatenate(dst))), shape=(n, n)
    )
