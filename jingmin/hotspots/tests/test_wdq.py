"""WDQ against worked examples computed by hand from Bowers & Johnson (2003)."""

import pytest

from jingmin.hotspots.analysis.wdq import wdq

# Target 100 → 70, control 200 → 190 (Ca/Cb = 0.95): success measure 0.70 − 0.95 = −0.25.


def test_diffusion_of_benefit():
    # buffer 80 → 60: BDM = 0.75 − 0.95 = −0.20; WDQ = −0.20 / −0.25 = 0.8
    r = wdq(ra=70, rb=100, da=60, db=80, ca=190, cb=200)
    assert r.success_measure == pytest.approx(-0.25)
    assert r.buffer_measure == pytest.approx(-0.20)
    assert r.wdq == pytest.approx(0.8)
    assert r.reading == "diffusion"
    # net effect: (100·0.95 − 70) + (80·0.95 − 60) = 25 + 16 = 41 incidents prevented
    assert r.total_net_effect == pytest.approx(41)


def test_no_displacement():
    r = wdq(ra=70, rb=100, da=76, db=80, ca=190, cb=200)  # buffer 0.95 = control
    assert r.wdq == pytest.approx(0) and r.reading == "none"


def test_displacement_smaller_than_benefit():
    r = wdq(ra=70, rb=100, da=96, db=80, ca=190, cb=200)  # BDM = 1.2 − 0.95 = 0.25
    assert r.wdq == pytest.approx(-1.0) and r.reading == "displacement_less"
    assert r.total_net_effect == pytest.approx(25 + (76 - 96))


def test_displacement_larger_than_benefit():
    r = wdq(ra=70, rb=100, da=100, db=80, ca=190, cb=200)  # BDM = 0.30 → WDQ = −1.2
    assert r.wdq == pytest.approx(-1.2) and r.reading == "displacement_exceeds"


def test_diffusion_larger_than_direct_effect():
    r = wdq(ra=70, rb=100, da=40, db=80, ca=190, cb=200)  # BDM = −0.45 → 1.8
    assert r.wdq == pytest.approx(1.8) and r.reading == "diffusion_exceeds"


def test_no_success_means_no_quotient():
    r = wdq(ra=100, rb=100, da=60, db=80, ca=190, cb=200)  # SM = +0.05
    assert r.wdq is None and r.reading == "no_success"


def test_empty_control_is_insufficient():
    assert wdq(ra=1, rb=2, da=1, db=1, ca=0, cb=0).reading == "insufficient"
