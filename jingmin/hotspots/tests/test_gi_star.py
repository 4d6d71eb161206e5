"""Gi* against esda.G_Local(star=True) on the same weights, to 1e-9."""

import warnings

import numpy as np
import pytest
from scipy import stats

from jingmin.hotspots.analysis.gi_star import (
    classify,
    distance_kernel,
    fdr_bh,
    gi_star_grid,
    gi_star_sparse,
    grid_weights,
    queen_kernel,
)

esda = pytest.importorskip("esda")
libpysal = pytest.importorskip("libpysal")


def _esda(y, w, transform):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return esda.G_Local(
            y.ravel(), w, transform=transform, star=True, permutations=0
        )


def _counts(rows, cols, seed):
    rng = np.random.default_rng(seed)
    y = rng.poisson(1.5, (rows, cols)).astype(float)
    y[rows // 3, cols // 2] += 25  # a planted hot spot
    y[rows // 3 + 1, cols // 2] += 15
    return y


@pytest.mark.parametrize("rows,cols", [(5, 7), (40, 60)])
@pytest.mark.parametrize("transform", ["B", "R"])
def test_queen_matches_esda(rows, cols, transform):
    y = _counts(rows, cols, rows)
    w = libpysal.weights.lat2W(rows, cols, rook=False)
    ref = _esda(y, w, transform)
    got = gi_star_grid(y, queen_kernel(), transform=transform)
    np.testing.assert_allclose(got.z.ravel(), ref.Zs, rtol=0, atol=1e-9)
    # esda's p_norm is one-sided; ours is two-sided
    np.testing.assert_allclose(got.p.ravel(), 2 * ref.p_norm, rtol=0, atol=1e-9)


@pytest.mark.parametrize("rows,cols,threshold", [(6, 8, 150.0), (30, 45, 320.0)])
@pytest.mark.parametrize("transform", ["B", "R"])
def test_distance_band_matches_esda(rows, cols, threshold, transform):
    y = _counts(rows, cols, cols)
    cy, cx = np.mgrid[0:rows, 0:cols]
    centres = np.c_[cx.ravel() * 100.0, cy.ravel() * 100.0]  # 100 m cells, row-major
    w = libpysal.weights.DistanceBand(
        centres, threshold=threshold, binary=True, silence_warnings=True
    )
    ref = _esda(y, w, transform)
    got = gi_star_grid(y, distance_kernel(threshold, 100.0), transform=transform)
    np.testing.assert_allclose(got.z.ravel(), ref.Zs, rtol=0, atol=1e-9)


def test_fft_path_matches_direct_sums():
    y = _counts(50, 50, 3)
    big = distance_kernel(900.0, 100.0)  # 19×19 kernel: above the FFT threshold
    assert big.size > 121
    fft = gi_star_grid(y, big)
    direct = gi_star_sparse(y.ravel(), grid_weights(50, 50, big))
    np.testing.assert_allclose(fft.z.ravel(), direct.z, atol=1e-9)


def test_mask_equals_esda_on_the_study_area_only():
    rows, cols = 12, 15
    y = _counts(rows, cols, 7)
    mask = np.ones((rows, cols), bool)
    mask[:, :4] = False  # cells outside the study area
    mask[9:, 10:] = False
    full = grid_weights(rows, cols, queen_kernel())
    keep = np.flatnonzero(mask.ravel())
    sub = full[keep][:, keep].tolil()
    sub.setdiag(0)  # esda adds the self-weight itself
    w, _ids = libpysal.weights.WSP(sub.tocsr()).to_W(), None
    ref = _esda(y.ravel()[keep], w, "B")
    got = gi_star_grid(y, queen_kernel(), mask=mask)
    np.testing.assert_allclose(got.z.ravel()[keep], ref.Zs, atol=1e-9)
    assert np.all(got.z[~mask] == 0) and np.all(got.classes[~mask] == 0)
    assert got.n == mask.sum()


def test_sparse_weights_without_diagonal_get_self_weight_like_esda():
    y = _counts(7, 9, 11)
    w = libpysal.weights.lat2W(7, 9, rook=True)
    ref = _esda(y, w, "B")
    got = gi_star_sparse(y.ravel(), w.sparse)
    np.testing.assert_allclose(got.z, ref.Zs, atol=1e-9)


def test_planted_spot_is_hot_at_99_percent():
    y = _counts(40, 60, 40)
    got = gi_star_grid(y, queen_kernel())
    assert got.classes[40 // 3, 60 // 2] == 3
    assert got.z[40 // 3, 60 // 2] > 5


def test_constant_or_empty_grid_has_no_hot_spots():
    for y in (np.zeros((5, 5)), np.full((5, 5), 3.0)):
        got = gi_star_grid(y, queen_kernel())
        assert np.all(got.z == 0) and np.all(got.classes == 0)


def test_fdr_bh_by_hand():
    p = np.array([0.01, 0.04, 0.03, 0.20])
    # sorted 0.01,0.03,0.04,0.20 → ×4/rank = 0.04,0.06,0.0533,0.20 → running min from the top
    np.testing.assert_allclose(
        fdr_bh(p), [0.04, 0.05333333, 0.05333333, 0.20], atol=1e-7
    )


def test_classes_at_90_95_99():
    z = np.array([3.0, 2.0, 1.7, 1.0, -1.7, -2.0, -3.0])
    p = 2 * stats.norm.sf(np.abs(z))
    assert classify(z, p).tolist() == [3, 2, 1, 0, -1, -2, -3]
