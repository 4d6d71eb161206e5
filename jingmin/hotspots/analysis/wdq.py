"""Weighted Displacement Quotient (Bowers & Johnson 2003).

R = response (target) area, D = buffer (displacement) area, C = control area;
subscripts b = before, a = after (or during). With the control as the yardstick:

    success measure      SM  = Ra/Rb − Ca/Cb     (< 0: the target improved relative to control)
    buffer displacement  BDM = Da/Db − Ca/Cb     (> 0: displacement, < 0: diffusion of benefit)
    WDQ = BDM / SM

Reading (their Table 1), valid only when SM < 0:
    WDQ > 1       diffusion of benefit larger than the direct effect
    0 < WDQ ≤ 1   diffusion of benefit
    WDQ = 0       no displacement or diffusion
    −1 ≤ WDQ < 0  displacement, smaller than the direct benefit (net gain)
    WDQ < −1      displacement larger than the direct benefit (net loss)
Total net effect (in incidents) = (Rb·Ca/Cb − Ra) + (Db·Ca/Cb − Da).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass
class WDQResult:
    success_measure: float | None
    buffer_measure: float | None
    wdq: float | None
    total_net_effect: float | None
    reading: str

    def as_dict(self) -> dict:
        return asdict(self)


def wdq(ra: float, rb: float, da: float, db: float, ca: float, cb: float) -> WDQResult:
    if rb <= 0 or cb <= 0 or ca <= 0:
        return WDQResult(None, None, None, None, "insufficient")
    c = ca / cb
    sm = ra / rb - c
    bdm = (da / db - c) if db > 0 else None
    tne = (rb * c - ra) + ((db * c - da) if db > 0 else 0.0)
    if sm >= 0:
        return WDQResult(sm, bdm, None, tne, "no_success")
    if bdm is None:
        return WDQResult(sm, None, None, tne, "no_buffer_data")
    q = bdm / sm
    if q > 1:
        reading = "diffusion_exceeds"
    elif q > 0:
        reading = "diffusion"
    elif q == 0:
        reading = "none"
    elif q >= -1:
        reading = "displacement_less"
    else:
        reading = "displacement_exceeds"
    return WDQResult(sm, bdm, q, tne, reading)
