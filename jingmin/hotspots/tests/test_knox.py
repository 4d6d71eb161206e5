"""Knox test: a hand-worked example and the Near Repeat Calculator's own outputs."""

import csv
import datetime as dt
import itertools
import re

import numpy as np
import pytest

from jingmin.hotspots.analysis.knox import knox, p_value

# Four incidents (x m, y m, day); Manhattan distances and day gaps of the six pairs:
# A-B 50 m 3 d · A-C 150 m 10 d · A-D 500 m 1 d · B-C 200 m 7 d · B-D 450 m 2 d · C-D 650 m 9 d
HAND = np.array([[0, 0, 0], [50, 0, 3], [0, 150, 10], [500, 0, 1]], float)


def test_hand_worked_standard_bands():
    r = knox(*HAND.T, [100, 200], [7], permutations=0)
    # rows: same place, (0,100], (100,200], >200 m; columns: 0–7 d, >7 d
    assert r.observed.tolist() == [[0, 0], [1, 0], [1, 1], [2, 1]]


def test_hand_worked_nrc_bands_move_edge_pairs_up():
    r = knox(*HAND.T, [100, 200], [7], permutations=0, convention="nrc")
    # B-C (exactly 200 m, exactly 7 d) moves to ">200 m" and to the second column
    assert r.observed.tolist() == [[0, 0], [1, 0], [0, 1], [2, 2]]


def test_hand_worked_expected_equals_exact_permutation_mean():
    exact = np.zeros((4, 2))
    perms = list(itertools.permutations(range(4)))
    for perm in perms:
        exact += knox(
            HAND[:, 0], HAND[:, 1], HAND[list(perm), 2], [100, 200], [7], permutations=0
        ).observed
    exact /= len(perms)
    r = knox(*HAND.T, [100, 200], [7], permutations=4000, seed=5)
    np.testing.assert_allclose(r.expected, exact, atol=0.05)
    assert r.observed.sum() == r.expected.sum() == 6


def test_p_value_counts_ties_as_extreme():
    assert p_value(5, np.array([1, 5, 6, 2])) == pytest.approx(3 / 5)
    assert p_value(10, np.arange(19)) == pytest.approx(10 / 20)


def test_pathological_example(crime_data):
    rows = list(
        csv.DictReader(open(crime_data / "nearrepeat-td_pathological_example.csv"))
    )
    x = [float(r["x"]) for r in rows]
    y = [float(r["y"]) for r in rows]
    t = [dt.datetime.strptime(r["t"], "%d/%m/%Y").toordinal() for r in rows]
    # 100 m and 3 days apart; bandwidth 100 m and 3 days
    std = knox(x, y, t, [100, 200], [3, 6], permutations=0)
    nrc = knox(x, y, t, [100, 200], [3, 6], permutations=0, convention="nrc")
    assert std.observed[1, 0] == 1  # "1 to 100 m", "0 to 3 days": what the labels say
    assert nrc.observed[2, 1] == 1  # the NRC reports "101 to 200 m", "4 to 6 days"


# --- the Near Repeat Calculator's reference runs ----------------------------------


def _load_xyt(path, fmt, header):
    xs, ys, ts = [], [], []
    with open(path) as fh:
        for k, line in enumerate(fh):
            a = line.strip().split(",")
            if (header and k == 0) or len(a) < 3 or not a[0]:
                continue
            xs.append(float(a[0]))
            ys.append(float(a[1]))
            ts.append(dt.datetime.strptime(a[2], fmt).toordinal())
    return np.array(xs), np.array(ys), np.array(ts)


def _verbose(path):
    """Observed table and, per cell, NRC's simulated counts, p and obs/mean-exp."""
    lines = [line.rstrip("\n").split(",") for line in open(path, encoding="latin-1")]
    start = next(
        i for i, r in enumerate(lines) if r[0].startswith("Observed frequencies")
    )
    ncols = sum(1 for v in lines[start + 1][2:] if v.strip())
    observed = []
    for r in lines[start + 3 :]:
        if not r[0].strip().isdigit():
            break
        observed.append([int(v) if v.strip() else 0 for v in r[2 : 2 + ncols]])
    cells = {}
    for i, r in enumerate(lines):
        m = re.match(r"Row (\d+) Column (\d+)", r[0])
        if m:
            block, sims, j = {}, [], i + 1
            while not lines[j][0].startswith("Obs over"):
                key = lines[j][0].strip()
                if key in ("Expected", ""):  # simulated counts wrap over several lines
                    sims += [float(v) for v in lines[j][1:] if v.strip()]
                else:
                    block[key] = lines[j][1:]
                j += 1
            block["Obs over Mean Exp"] = lines[j][1:]
            sims = np.array(sims)
            cells[(int(m[1]) - 1, int(m[2]) - 1)] = (
                sims,
                int(float(block["Observed"][0])),
                float(block["P value"][0]),
                float(block["Obs over Mean Exp"][0])
                if block["Obs over Mean Exp"][0].strip()
                else None,
            )
    return np.array(observed), cells


NRC_RUNS = [
    # data file, date format, header, verbose file, space edges, time edges, metric
    (
        "nearrepeat-ws_chicago_be_month1.csv",
        "%Y-%m-%d",
        False,
        "nearrepeat-ws_chicago_be_month1_NRverbose_2019-09-23_143005.csv",
        [100, 200, 300],
        [7, 14, 21],
        "manhattan",
    ),
    (
        "nearrepeat-ws_chicago_arson.csv",
        "%Y-%m-%d",
        False,
        "nearrepeat-ws_chicago_arson_NRverbose_2019-09-23_145637.csv",
        [200, 400, 600],
        [1, 2, 3],
        "manhattan",
    ),
    (
        "nearrepeat-td_chicago_burglary_2014_2017.csv",
        "%d/%m/%Y",
        True,
        "nearrepeat-td_nrc_chicago_burglary_2016_NRverbose.csv",
        [100, 200, 300],
        [2, 4],
        "euclidean",
    ),
]


@pytest.mark.parametrize("data,fmt,header,verbose,se,te,metric", NRC_RUNS)
def test_observed_tables_equal_the_nrc(
    crime_data, data, fmt, header, verbose, se, te, metric
):
    x, y, t = _load_xyt(crime_data / data, fmt, header)
    if "2014_2017" in data:  # the NRC run used 2016 only
        keep = (t >= dt.date(2016, 1, 1).toordinal()) & (
            t < dt.date(2017, 1, 1).toordinal()
        )
        x, y, t = x[keep], y[keep], t[keep]
        assert keep.sum() == 11701  # "Source data records used: 11701"
    nrc_observed, cells = _verbose(crime_data / verbose)
    mine = knox(x, y, t, se, te, permutations=0, convention="nrc", metric=metric)
    assert mine.observed.tolist() == nrc_observed.tolist()
    standard = knox(x, y, t, se, te, permutations=0, metric=metric)
    assert (
        standard.observed.tolist() != nrc_observed.tolist()
    )  # the labels really differ
    assert standard.observed.sum() == nrc_observed.sum() == len(x) * (len(x) - 1) // 2


@pytest.mark.parametrize("data,fmt,header,verbose,se,te,metric", NRC_RUNS[:2])
def test_p_values_and_ratios_from_the_nrc_simulations(
    crime_data, data, fmt, header, verbose, se, te, metric
):
    _observed, cells = _verbose(crime_data / verbose)
    checked = 0
    for (_row, _col), (sims, obs, p, ratio) in cells.items():
        assert p_value(obs, sims) == pytest.approx(p, abs=1e-9)
        if ratio is not None and sims.mean() > 0:  # the NRC prints 0 for 0/0
            assert obs / sims.mean() == pytest.approx(ratio, rel=1e-9)
        checked += 1
    assert checked >= 15


def test_monte_carlo_expectations_agree_with_the_nrc(crime_data):
    data, fmt, header, verbose, se, te, metric = NRC_RUNS[0]
    x, y, t = _load_xyt(crime_data / data, fmt, header)
    _observed, cells = _verbose(crime_data / verbose)
    mine = knox(
        x, y, t, se, te, permutations=199, seed=11, convention="nrc", metric=metric
    )
    compared = 0
    for (row, col), (sims, _obs, _p, _ratio) in cells.items():
        if sims.mean() >= 40:  # cells where 19 NRC draws pin the mean down
            sd = max(sims.std(ddof=1), 1.0)
            assert (
                abs(mine.expected[row, col] - sims.mean())
                < 4 * sd / np.sqrt(len(sims)) + 0.05 * sims.mean()
            )
            compared += 1
    assert compared >= 5
    # the near-repeat signal NRC reports: 0–7 days within 100 m is over-represented
    assert mine.ratio[1, 0] > 1.4 and mine.p[1, 0] <= 0.01
