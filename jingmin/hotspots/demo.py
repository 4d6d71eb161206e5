"""Demo incidents for 和平县: two years up to last month, with planted hot spots.

Planted, for an analyst to find: e-bike theft at the 城关 farmers' market and
outside 第一中学 (school hours), night-time burglary in 岭下村 (北岭), pickpocketing
at the bus station; and a campaign at the market four months ago that worked
(fewer thefts in the target, a little less in the buffer). Idempotent: a second
run finds the demo incidents and changes nothing. Deterministic (fixed seed).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
from django.db import transaction
from django.utils import timezone

from jingmin.audit.services import event_record
from jingmin.org.models import Unit
from jingmin.org.selectors import jurisdiction_index

from .models import Analysis, Campaign, Incident, IncidentType

TYPES = [
    (
        "ebike_theft",
        "电动车盗窃",
        "停车请进有人看管的车棚，加装第二把锁和防盗定位器；车辆和电池不要在路边过夜。",
    ),
    (
        "bicycle_theft",
        "自行车盗窃",
        "用 U 型锁把车锁在固定物上，登记车辆信息，贵重车辆不在公共场所过夜。",
    ),
    (
        "burglary",
        "入室盗窃",
        "外出和睡前锁好门窗，安装防盗窗和感应灯；发现可疑人员踩点请拨打 110。",
    ),
    (
        "vehicle_theft",
        "盗窃车内财物",
        "下车带走手机、钱包和包；车内不留贵重物品，离车确认车窗车门已锁。",
    ),
    (
        "pickpocketing",
        "扒窃",
        "在车站、集市等人多的地方把包背在身前，手机不放外衣口袋。",
    ),
    (
        "fraud",
        "电信网络诈骗",
        "公检法不会电话办案，不转账到“安全账户”；可疑来电拨打 96110 咨询。",
    ),
    ("fight", "打架斗殴", "遇到纠纷保持冷静，不饮酒滋事；发现斗殴请远离并拨打 110。"),
]
WEST, EAST, SOUTH, NORTH = 119.95, 120.25, 30.00, 30.20
MARKET = (120.100, 30.150, "城关镇农贸市场")
SCHOOL = (120.180, 30.140, "东城街道第一中学")
VILLAGE = (120.000, 30.050, "北岭乡岭下村")
BUS = (120.120, 30.118, "县汽车站")
TOWNS = [  # centre, spread (deg), weight: the towns carry most background incidents
    ((120.10, 30.15), 0.02, 4.0),
    ((120.20, 30.15), 0.02, 2.5),
    ((120.00, 30.15), 0.015, 1.0),
    ((120.10, 30.05), 0.015, 1.5),
    ((120.00, 30.05), 0.015, 0.7),
    ((120.20, 30.05), 0.015, 1.2),
]
# background incidents per month by type
BACKGROUND = {
    "ebike_theft": 60,
    "bicycle_theft": 25,
    "burglary": 25,
    "vehicle_theft": 20,
    "pickpocketing": 15,
    "fraud": 30,
    "fight": 15,
}
CAMPAIGN_NAME = "城关农贸市场电动车防盗整治"
STREETS = [
    "人民路",
    "解放路",
    "文化路",
    "建设路",
    "迎宾大道",
    "湖滨路",
    "西山路",
    "沿江东路",
    "新华街",
]

DEMO_NOTES = [
    "治安热点：用 fenxi（情报分析员）登录 → 工作台 → 治安热点，新建“热点分析”（类型 电动车盗窃，网格 250 米）可找到城关农贸市场和第一中学两处热点；"
    "入室盗窃的热点在北岭乡岭下村。演示整治行动“城关农贸市场电动车防盗整治”已可评估。",
]


def _months(today: dt.date, n: int) -> list[dt.date]:
    first = today.replace(day=1)
    out = []
    for k in range(n, 0, -1):
        y, m = first.year, first.month - k
        while m <= 0:
            y, m = y - 1, m + 12
        out.append(dt.date(y, m, 1))
    return out


def _hour(rng, code: str) -> int:
    profiles = {
        "burglary": [0, 1, 2, 3, 4, 10, 14, 15],
        "fight": [20, 21, 22, 23, 0, 1],
        "pickpocketing": [7, 8, 9, 10, 11, 16, 17],
        "ebike_theft": [7, 8, 12, 16, 17, 18, 19, 20, 21, 22],
    }
    choices = profiles.get(code)
    return int(rng.choice(choices)) if choices else int(rng.integers(7, 23))


def _inside(lon: float, lat: float) -> bool:
    return WEST + 0.002 < lon < EAST - 0.002 and SOUTH + 0.002 < lat < NORTH - 0.002


def _generate(today: dt.date) -> list[dict]:
    rng = np.random.default_rng(20260301)
    months = _months(today, 24)
    campaign_start = months[-4]
    centres = np.array([t[0] for t in TOWNS])
    weights = np.array([t[2] for t in TOWNS]) / sum(t[2] for t in TOWNS)
    spreads = np.array([t[1] for t in TOWNS])
    rows: list[dict] = []

    def add(code, lon, lat, day, hour, place, window=False):
        if not _inside(lon, lat):
            return
        start = dt.datetime.combine(day, dt.time(hour, int(rng.integers(0, 60))))
        end = None
        if window:  # parked overnight: known only as a window
            end = start + dt.timedelta(hours=int(rng.integers(6, 11)))
        rows.append(
            {
                "code": code,
                "lon": round(lon, 6),
                "lat": round(lat, 6),
                "start": start,
                "end": end,
                "address": place,
            }
        )

    for month in months:
        days = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - month
        season = 1.0 + 0.25 * np.sin(
            (month.month - 4) / 12 * 2 * np.pi
        )  # more in summer
        for code, n in BACKGROUND.items():
            for _ in range(rng.poisson(n * season)):
                k = rng.choice(len(TOWNS), p=weights)
                if rng.random() < 0.35:  # the countryside
                    lon, lat = rng.uniform(WEST, EAST), rng.uniform(SOUTH, NORTH)
                else:
                    lon, lat = rng.normal(centres[k], spreads[k])
                day = month + dt.timedelta(days=int(rng.integers(0, days.days)))
                street = STREETS[int(rng.integers(len(STREETS)))]
                add(
                    code,
                    lon,
                    lat,
                    day,
                    _hour(rng, code),
                    f"{street}{int(rng.integers(1, 300))}号附近",
                    window=code == "ebike_theft" and rng.random() < 0.3,
                )
        # planted: the market (e-bike theft), weaker during and after the campaign
        in_campaign = month >= campaign_start
        n_market = rng.poisson(4 if in_campaign else 14)
        for _ in range(n_market):
            day = month + dt.timedelta(days=int(rng.integers(0, days.days)))
            add(
                "ebike_theft",
                rng.normal(MARKET[0], 0.0012),
                rng.normal(MARKET[1], 0.001),
                day,
                int(rng.choice([6, 7, 8, 9, 10])),
                MARKET[2] + "门口",
            )
        for _ in range(
            rng.poisson(5 if in_campaign else 9)
        ):  # the buffer benefits a little
            day = month + dt.timedelta(days=int(rng.integers(0, days.days)))
            add(
                "ebike_theft",
                rng.normal(MARKET[0] + 0.006, 0.001),
                rng.normal(MARKET[1], 0.001),
                day,
                int(rng.integers(7, 20)),
                "菜场路附近",
            )
        # planted: the school, on school days at the start and end of the day
        for _ in range(rng.poisson(8)):
            day = month + dt.timedelta(days=int(rng.integers(0, days.days)))
            if day.weekday() < 5 and month.month not in (7, 8):
                add(
                    "ebike_theft",
                    rng.normal(SCHOOL[0], 0.001),
                    rng.normal(SCHOOL[1], 0.001),
                    day,
                    int(rng.choice([7, 16, 17])),
                    SCHOOL[2] + "车棚",
                )
        # planted: night burglary in one village, in runs (near repeats)
        for _ in range(rng.poisson(2)):
            day0 = month + dt.timedelta(days=int(rng.integers(0, days.days)))
            lon0, lat0 = rng.normal(VILLAGE[0], 0.002), rng.normal(VILLAGE[1], 0.0015)
            for k in range(int(rng.integers(1, 4))):
                add(
                    "burglary",
                    lon0 + rng.normal(0, 0.0006),
                    lat0 + rng.normal(0, 0.0005),
                    day0 + dt.timedelta(days=int(rng.integers(0, 6)) * (k > 0)),
                    int(rng.choice([1, 2, 3, 4])),
                    VILLAGE[2] + f"{int(rng.integers(1, 80))}号",
                )
        for _ in range(rng.poisson(6)):
            day = month + dt.timedelta(days=int(rng.integers(0, days.days)))
            add(
                "pickpocketing",
                rng.normal(BUS[0], 0.0008),
                rng.normal(BUS[1], 0.0008),
                day,
                int(rng.choice([7, 8, 16, 17])),
                BUS[2],
            )
    return [r for r in rows if r["start"].date() < today]


def _box(lon: float, lat: float, d_lon: float, d_lat: float) -> dict:
    w, e, s, n = lon - d_lon, lon + d_lon, lat - d_lat, lat + d_lat
    return {
        "type": "Polygon",
        "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]],
    }


@transaction.atomic
def seed(out=None) -> None:
    say = out.write if out is not None else (lambda s: None)
    types = {}
    for code, name, tip in TYPES:
        t, created = IncidentType.objects.get_or_create(
            code=code, defaults={"name": name, "prevention_tip": tip}
        )
        types[code] = t
        if created:
            event_record(
                actor=None,
                actor_label="demo-seed",
                action="hotspots.type_create",
                obj=t,
            )
    today = timezone.localdate()
    if not Incident.objects.filter(source=Incident.Source.DEMO).exists():
        rows = _generate(today)
        units = jurisdiction_index().lookup_many(
            [r["lon"] for r in rows], [r["lat"] for r in rows]
        )
        Incident.objects.bulk_create(
            [
                Incident(
                    type=types[r["code"]],
                    occurred_from=timezone.make_aware(r["start"]),
                    occurred_to=timezone.make_aware(r["end"]) if r["end"] else None,
                    lon=r["lon"],
                    lat=r["lat"],
                    address=r["address"],
                    unit_id=u,
                    source=Incident.Source.DEMO,
                    batch="demo",
                )
                for r, u in zip(rows, units, strict=True)
            ],
            batch_size=2000,
        )
        event_record(
            actor=None,
            actor_label="demo-seed",
            action="hotspots.incident_import",
            object_type="hotspots.incident",
            object_id="demo",
            changes={"rows": len(rows)},
        )
        say(f"hotspots: {len(rows)} demo incidents\n")
    if not Campaign.objects.filter(name=CAMPAIGN_NAME).exists():
        months = _months(today, 24)
        campaign = Campaign.objects.create(
            name=CAMPAIGN_NAME,
            area=_box(MARKET[0], MARKET[1], 0.004, 0.0035),
            buffer_m=500,
            starts_on=months[-4],
            ends_on=months[-2] - dt.timedelta(days=1),
            actions="市场周边增设巡逻岗，车棚加装监控和照明，开展电动车防盗登记和加装定位器宣传。",
        )
        campaign.units.set(Unit.objects.filter(code="chengguan"))
        campaign.incident_types.set([types["ebike_theft"]])
        event_record(
            actor=None,
            actor_label="demo-seed",
            action="hotspots.campaign_create",
            obj=campaign,
        )
    if not Analysis.objects.filter(title__startswith="演示").exists():
        from .services import analysis_create

        analysis = analysis_create(
            kind=Analysis.Kind.HOTSPOT,
            actor=None,
            params={"types": ["ebike_theft"], "cell": 250, "neighbourhood": "queen"},
        )
        Analysis.objects.filter(pk=analysis.pk).update(title="演示 · " + analysis.title)
