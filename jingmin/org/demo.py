"""The fictional demo county 和平县: bureau, units with jurisdictions, departments.

Idempotent: rows are found by their code and left alone when they exist.
"""

from __future__ import annotations

from django.db import transaction

from jingmin.audit.services import event_record

from .models import Bureau, BusinessArea, Department, Unit

# The county is a 0.3° × 0.2° box split into six station jurisdictions; the
# shared borders are exact so that every point of the county has one station.
WEST, EAST, SOUTH, NORTH = 119.95, 120.25, 30.00, 30.20
LON_CUTS = [119.95, 120.05, 120.15, 120.25]
LAT_CUTS = [30.00, 30.10, 30.20]

STATIONS = [
    # code, name, column, row, address
    ("chengguan", "城关派出所", 1, 1, "和平县城关镇人民路88号"),
    ("dongcheng", "东城派出所", 2, 1, "和平县东城街道迎宾大道216号"),
    ("xishan", "西山派出所", 0, 1, "和平县西山镇西山路12号"),
    ("nanhu", "南湖派出所", 1, 0, "和平县南湖街道湖滨路35号"),
    ("beiling", "北岭派出所", 0, 0, "和平县北岭乡岭下村1号"),
    ("linjiang", "临江派出所", 2, 0, "和平县临江镇沿江东路77号"),
]
OTHER_UNITS = [
    ("jiaojing", "交警大队", Unit.Kind.TRAFFIC, "和平县迎宾大道300号"),
    ("churujing", "出入境管理大队", Unit.Kind.EXIT_ENTRY, "和平县政务服务中心二楼"),
    (
        "zhengwu",
        "政务服务中心公安综合窗口",
        Unit.Kind.SERVICE_HALL,
        "和平县政务服务中心一楼",
    ),
    ("zhihui", "指挥中心", Unit.Kind.COMMAND, "和平县公安局大楼五楼"),
    ("ducha", "督察大队", Unit.Kind.INSPECTION, "和平县公安局大楼四楼"),
]

# business area code, name, owning department code
AREAS = [
    ("urban", "城乡建设", "zhujian"),
    ("environment", "环境保护", "shengtai"),
    ("transport", "交通运输", "jiaotong"),
    ("education", "教育文体", "jiaoti"),
    ("labour", "劳动和社会保障", "renshe"),
    ("commerce", "商贸旅游", "shangwu"),
    ("health", "卫生计生", "weijian"),
    ("market", "市场监管", "shijian"),
    ("utilities", "水电气暖", "shuiwu"),
    ("city_management", "城市管理", "zhifa"),
    ("civil_affairs", "民政救助", "minzheng"),
    ("land", "国土规划", "ziran"),
    ("agriculture", "农业农村", "nongye"),
    ("fire", "消防救援", "xiaofang"),
    ("justice", "人民调解与法律援助", "sifa"),
    ("court", "诉讼", "fayuan"),
    ("petition", "信访", "xinfang"),
]

DEPARTMENTS = [
    ("zhujian", "和平县住房和城乡建设局", "0571-86010001", "和平县建设路18号"),
    ("shengtai", "和平县生态环境分局", "0571-86010002", "和平县环城北路6号"),
    ("jiaotong", "和平县交通运输局", "0571-86010003", "和平县迎宾大道120号"),
    ("jiaoti", "和平县教育体育局", "0571-86010004", "和平县文教路9号"),
    ("renshe", "和平县人力资源和社会保障局", "0571-86010005", "和平县民生路66号"),
    ("shangwu", "和平县商务和文化旅游局", "0571-86010006", "和平县商贸街3号"),
    ("weijian", "和平县卫生健康局", "0571-86010007", "和平县健康路21号"),
    ("shijian", "和平县市场监督管理局", "0571-86010008", "和平县市场路15号"),
    ("shuiwu", "和平县水务和能源服务中心", "0571-86010009", "和平县水厂路2号"),
    ("zhifa", "和平县综合行政执法局", "0571-86010010", "和平县城管路8号"),
    ("minzheng", "和平县民政局", "0571-86010011", "和平县民政路5号"),
    ("ziran", "和平县自然资源和规划局", "0571-86010012", "和平县规划路10号"),
    ("nongye", "和平县农业农村局", "0571-86010013", "和平县农丰路30号"),
    ("xiaofang", "和平县消防救援大队", "0571-86010119", "和平县消防路1号"),
    ("sifa", "和平县司法局（人民调解委员会）", "0571-86010014", "和平县法治路4号"),
    ("fayuan", "和平县人民法院", "0571-86010015", "和平县审判路1号"),
    ("xinfang", "和平县信访局", "0571-86010016", "和平县人民路90号"),
]


def box(w: float, s: float, e: float, n: float) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [[[w, s], [e, s], [e, n], [w, n], [w, s]]],
    }


@transaction.atomic
def seed(out=None) -> Bureau:
    bureau, created = Bureau.objects.get_or_create(
        name="和平县公安局",
        defaults={
            "short_name": "和平公安",
            "county": "和平县",
            "address": "和平县人民路100号",
            "phone": "0571-86000110",
            "boundary": box(WEST, SOUTH, EAST, NORTH),
        },
    )
    if created:
        event_record(
            actor=None, actor_label="demo-seed", action="bureau.create", obj=bureau
        )
    for code, name, col, row, address in STATIONS:
        geometry = box(
            LON_CUTS[col], LAT_CUTS[row], LON_CUTS[col + 1], LAT_CUTS[row + 1]
        )
        unit, created = Unit.objects.get_or_create(
            code=code,
            defaults={
                "bureau": bureau,
                "name": name,
                "kind": Unit.Kind.STATION,
                "address": address,
                "phone": f"0571-8602{len(code):02d}{col}{row}",
                "office_hours": "工作日 8:30-12:00，14:00-17:30；24小时接警",
                "jurisdiction": geometry,
                "lon": (LON_CUTS[col] + LON_CUTS[col + 1]) / 2,
                "lat": (LAT_CUTS[row] + LAT_CUTS[row + 1]) / 2,
            },
        )
        if created:
            event_record(
                actor=None, actor_label="demo-seed", action="unit.create", obj=unit
            )
    for code, name, kind, address in OTHER_UNITS:
        unit, created = Unit.objects.get_or_create(
            code=code,
            defaults={
                "bureau": bureau,
                "name": name,
                "kind": kind,
                "address": address,
                "office_hours": "工作日 8:30-17:30",
            },
        )
        if created:
            event_record(
                actor=None, actor_label="demo-seed", action="unit.create", obj=unit
            )
    departments = {}
    for code, name, phone, address in DEPARTMENTS:
        dept, created = Department.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "contact_phone": phone,
                "contact_address": address,
                "contact_hours": "工作日 8:30-17:30",
            },
        )
        departments[code] = dept
        if created:
            event_record(
                actor=None,
                actor_label="demo-seed",
                action="department.create",
                obj=dept,
            )
    for code, name, dept_code in AREAS:
        BusinessArea.objects.get_or_create(
            code=code, defaults={"name": name, "department": departments[dept_code]}
        )
    if out:
        out.write(
            f"  org: {bureau.name}, {Unit.objects.count()} units, {Department.objects.count()} departments"
        )
    return bureau
