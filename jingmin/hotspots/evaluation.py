"""Campaign evaluation: before vs during/after, target vs control, buffer by WDQ.

Periods: "before" is as long as the campaign and ends the day before it starts;
"during" is the campaign; "after" is as long again, from the day after it ends
(only once it has begun, and cut at today). Zones: the target area; the buffer,
a ring of ``buffer_m`` metres around it; the control, the comparison area if one
was given, else the county outside target and buffer. The effect size is the
ratio
(Ra/Rb)/(Ca/Cb) (below 1 = the target fell relative to control), with a 95 %
interval from the log odds ratio's standard error √(1/Ra+1/Rb+1/Ca+1/Cb)
(Farrington & Welsh 2005).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import shapely
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jingmin.core.geo import geometry_from_geojson

from .analysis.grid import Projection
from .analysis.wdq import wdq
from .runner import project_area

ZONES = ("target", "buffer", "control")
MIN_BEFORE = 5
"""Fewer target incidents than this before the campaign: no verdict."""
MIN_BUFFER = 10
"""Fewer buffer incidents than this before: the WDQ is reported with a caution."""

READINGS = {
    "diffusion_exceeds": gettext_lazy(
        "周边缓冲区也明显受益，且受益大于目标区本身（效益扩散）"
    ),
    "diffusion": gettext_lazy("周边缓冲区也随之下降（效益扩散），没有发现转移"),
    "none": gettext_lazy("未发现向周边缓冲区的转移或扩散"),
    "displacement_less": gettext_lazy(
        "部分警情转移到了周边缓冲区，但小于目标区的减少，总体仍有净效果"
    ),
    "displacement_exceeds": gettext_lazy(
        "转移到周边缓冲区的警情超过目标区的减少，总体适得其反"
    ),
    "no_success": gettext_lazy("目标区相对对照区没有下降，转移指数不适用"),
    "no_buffer_data": gettext_lazy("缓冲区整治前没有警情，无法计算转移指数"),
    "insufficient": gettext_lazy("对照区警情太少，无法计算"),
}


def periods(
    starts_on: dt.date, ends_on: dt.date, today: dt.date
) -> dict[str, tuple[dt.date, dt.date] | None]:
    """Inclusive date ranges of the three periods (None when not begun)."""
    length = (ends_on - starts_on).days + 1
    before = (starts_on - dt.timedelta(days=length), starts_on - dt.timedelta(days=1))
    during = (starts_on, min(ends_on, today)) if starts_on <= today else None
    after_start = ends_on + dt.timedelta(days=1)
    after = (
        (after_start, min(ends_on + dt.timedelta(days=length), today))
        if after_start <= today
        else None
    )
    return {"before": before, "during": during, "after": after}


def zones(
    area_geojson: dict,
    comparison_geojson: dict | None,
    county: shapely.Geometry | None,
    buffer_m: float,
):
    """Projection and the projected target, buffer and control polygons."""
    area = geometry_from_geojson(area_geojson)
    minx, miny, maxx, maxy = area.bounds
    proj = Projection.centred_on(np.array([minx, maxx]), np.array([miny, maxy]))
    target = project_area(proj, area)
    outer = target.buffer(buffer_m)
    buffer = outer.difference(target)
    if comparison_geojson:
        control = project_area(
            proj, geometry_from_geojson(comparison_geojson)
        ).difference(outer)
    elif county is not None:
        control = project_area(proj, county).difference(outer)
    else:
        control = shapely.Polygon()
    return proj, {"target": target, "buffer": buffer, "control": control}


def _pct(a: int, b: int) -> float | None:
    return None if b == 0 else round((a - b) / b * 100, 1)


def _res(ra: int, rb: int, ca: int, cb: int) -> dict[str, float | None]:
    if min(ra, rb, ca, cb) == 0:
        return {"ratio": None, "low": None, "high": None}
    ratio = (ra / rb) / (ca / cb)
    se = math.sqrt(1 / ra + 1 / rb + 1 / ca + 1 / cb)
    return {
        "ratio": round(ratio, 3),
        "low": round(math.exp(math.log(ratio) - 1.96 * se), 3),
        "high": round(math.exp(math.log(ratio) + 1.96 * se), 3),
    }


def compare(counts: dict[str, dict[str, int]], period: str) -> dict[str, Any]:
    b, a = "before", period
    r = wdq(
        ra=counts["target"][a],
        rb=counts["target"][b],
        da=counts["buffer"][a],
        db=counts["buffer"][b],
        ca=counts["control"][a],
        cb=counts["control"][b],
    )
    return {
        "target_change_pct": _pct(counts["target"][a], counts["target"][b]),
        "buffer_change_pct": _pct(counts["buffer"][a], counts["buffer"][b]),
        "control_change_pct": _pct(counts["control"][a], counts["control"][b]),
        "relative_effect": _res(
            counts["target"][a],
            counts["target"][b],
            counts["control"][a],
            counts["control"][b],
        ),
        "wdq": r.as_dict(),
    }


def verdict(
    counts: dict[str, dict[str, int]],
    comparisons: dict[str, dict],
    period_names: dict[str, str],
) -> str:
    rb = counts["target"]["before"]
    if rb < MIN_BEFORE:
        return _(
            "整治前目标区只有 %(n)s 起警情（少于 %(k)s 起），数据太少，无法可靠评估。"
        ) % {"n": rb, "k": MIN_BEFORE}
    lines = []
    for period, comp in comparisons.items():
        t, c, d = counts["target"], counts["control"], counts["buffer"]
        res = comp["relative_effect"]
        head = _(
            "%(p)s：目标区 %(rb)s → %(ra)s 起（%(tp)s），对照区 %(cb)s → %(ca)s 起（%(cp)s），缓冲区 %(db)s → %(da)s 起。"
        ) % {
            "p": period_names[period],
            "rb": t["before"],
            "ra": t[period],
            "cb": c["before"],
            "ca": c[period],
            "db": d["before"],
            "da": d[period],
            "tp": _fmt_pct(comp["target_change_pct"]),
            "cp": _fmt_pct(comp["control_change_pct"]),
        }
        if res["ratio"] is None:
            effect = _("有一项计数为 0，无法计算相对效果。")
        elif res["high"] < 1:
            effect = _(
                "扣除全县同期变化后，目标区下降约 %(x)s%%（95%% 区间 %(lo)s%%–%(hi)s%%），下降是显著的。"
            ) % {
                "x": round((1 - res["ratio"]) * 100),
                "lo": round((1 - res["high"]) * 100),
                "hi": round((1 - res["low"]) * 100),
            }
        elif res["ratio"] < 1:
            effect = _(
                "扣除全县同期变化后，目标区下降约 %(x)s%%，但在统计上还不能排除偶然（95%% 区间 %(lo)s–%(hi)s）。"
            ) % {
                "x": round((1 - res["ratio"]) * 100),
                "lo": res["low"],
                "hi": res["high"],
            }
        else:
            effect = _("扣除全县同期变化后，目标区没有下降（相对比 %(r)s）。") % {
                "r": res["ratio"]
            }
        w = comp["wdq"]
        wtext = str(READINGS.get(w["reading"], ""))
        if w["wdq"] is not None:
            wtext = _("加权转移指数 WDQ = %(q)s：%(t)s。") % {
                "q": round(w["wdq"], 2),
                "t": wtext,
            }
        else:
            wtext = wtext + "。"
        if d["before"] < MIN_BUFFER and w["wdq"] is not None:
            wtext += _("（缓冲区整治前只有 %(n)s 起，转移指数波动大，仅供参考。）") % {
                "n": d["before"]
            }
        tne = w["total_net_effect"]
        if tne is not None and tne >= 0:
            wtext += _(
                "按对照区同期变化推算，目标区和缓冲区合计净减少约 %(n)s 起。"
            ) % {"n": round(tne, 1)}
        elif tne is not None:
            wtext += _(
                "按对照区同期变化推算，目标区和缓冲区合计净增加约 %(n)s 起。"
            ) % {"n": round(-tne, 1)}
        lines.append(head + effect + wtext)
    return "\n".join(lines)


def _fmt_pct(v: float | None) -> str:
    if v is None:
        return _("无基数")
    return f"{v:+.1f}%"


def evaluate(
    *,
    area: dict,
    comparison: dict | None,
    county,
    buffer_m: float,
    starts_on: dt.date,
    ends_on: dt.date,
    today: dt.date,
    lon: np.ndarray,
    lat: np.ndarray,
    dates: list[dt.date],
) -> dict[str, Any]:
    proj, polys = zones(area, comparison, county, buffer_m)
    per = periods(starts_on, ends_on, today)
    x, y = proj.to_xy(lon, lat) if len(lon) else (np.zeros(0), np.zeros(0))
    d = np.array([v.toordinal() for v in dates], dtype=np.int64)
    counts: dict[str, dict[str, int]] = {}
    for zone in ZONES:
        inside = (
            shapely.contains_xy(polys[zone], x, y)
            if len(x) and not polys[zone].is_empty
            else np.zeros(len(x), bool)
        )
        counts[zone] = {}
        for name, rng in per.items():
            if rng is None:
                counts[zone][name] = 0
                continue
            in_period = (d >= rng[0].toordinal()) & (d <= rng[1].toordinal())
            counts[zone][name] = int((inside & in_period).sum())
    names = {"during": _("整治期间"), "after": _("整治结束后")}
    comparisons = {
        p: compare(counts, p) for p in ("during", "after") if per[p] is not None
    }
    return {
        "periods": {
            k: (None if v is None else [v[0].isoformat(), v[1].isoformat()])
            for k, v in per.items()
        },
        "areas_km2": {z: round(polys[z].area / 1e6, 3) for z in ZONES},
        "counts": counts,
        "comparisons": comparisons,
        "verdict": verdict(counts, comparisons, names)
        if comparisons
        else _("整治尚未开始，暂无评估。"),
        "buffer_m": buffer_m,
    }
