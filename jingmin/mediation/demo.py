"""Demo disputes for 和平县: a year of registrations across the six stations.

Every dispute goes through the real services (grading, sessions, agreements,
referrals, follow-ups), so the demo exercises the same rules as the console.
Names, phones and ID numbers are invented. Idempotent: nothing happens when demo
disputes exist already.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from jingmin.accounts.roles import Role
from jingmin.core.calendar import SHANGHAI
from jingmin.core.exceptions import DomainError
from jingmin.org.models import Unit

from . import services
from .models import Dispute, FollowUp, MediationSession, Mediator, Party, Referral
from .services import DisputeData, PartyData, SessionData
from .warnings import warnings_recompute

DEMO_NOTES = [
    "矛盾纠纷：民警 minjing（城关）/ 所长 suozhang 查看本所纠纷台账、回访待办和预警；"
    "指挥中心 zhihui 查看全县统计和红色纠纷通知。",
]

# station code → (column, row) of the demo grid in org.demo, towns and roads
STATIONS = {
    "chengguan": ("城关镇", ["人民路", "解放街", "中山路", "县前街", "文昌路"]),
    "dongcheng": ("东城街道", ["迎宾大道", "东湖路", "新华路", "朝阳街", "工业园路"]),
    "xishan": ("西山镇", ["西山路", "茶园村", "竹林村", "山前村", "溪口街"]),
    "nanhu": ("南湖街道", ["湖滨路", "南湖新村", "渔港路", "桂花苑", "望湖路"]),
    "beiling": ("北岭乡", ["岭下村", "上岭村", "石桥村", "北岭街", "果园村"]),
    "linjiang": ("临江镇", ["沿江东路", "码头街", "江滨花园", "临江村", "滨江路"]),
}
CELLS = {
    "chengguan": (1, 1),
    "dongcheng": (2, 1),
    "xishan": (0, 1),
    "nanhu": (1, 0),
    "beiling": (0, 0),
    "linjiang": (2, 0),
}
LON_CUTS = [119.95, 120.05, 120.15, 120.25]
LAT_CUTS = [30.00, 30.10, 30.20]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢"
GIVEN = [
    "建国",
    "秀英",
    "桂兰",
    "志强",
    "海燕",
    "丽娟",
    "国华",
    "春梅",
    "卫东",
    "玉珍",
    "伟",
    "芳",
    "敏",
    "静",
    "磊",
    "洋",
    "勇",
    "艳",
    "杰",
    "娟",
    "涛",
    "明",
    "超",
    "秀兰",
    "霞",
    "平",
    "刚",
    "桂英",
    "小龙",
    "子涵",
    "浩然",
    "雨桐",
    "晓东",
    "红梅",
]
COMPANIES = [
    "和平县恒达建筑劳务有限公司",
    "和平县顺发物流有限公司",
    "和平县绿源食品厂",
    "和平县家家福超市",
    "和平县新世纪装饰公司",
    "和平县安居物业服务有限公司",
    "和平县宏远汽车销售公司",
    "和平县江南纺织有限公司",
]
SUMMARIES = {
    Dispute.Type.NEIGHBOUR: [
        "因楼上住户夜间噪音扰民，双方多次争吵，一方扬言报复。",
        "因卫生间漏水致楼下房屋受损，双方就维修费用协商未果。",
        "因宅前通道堆放杂物，邻居之间发生口角并推搡。",
        "因种植树木遮挡采光，两户邻居发生争执。",
    ],
    Dispute.Type.FAMILY: [
        "夫妻因家庭琐事经常吵架，女方称遭受推打，要求处理。",
        "兄弟之间因父母赡养费用分担问题发生争执。",
        "离婚后双方就子女探视问题反复发生冲突。",
        "婆媳因家务和财产问题长期不和，近日激化。",
    ],
    Dispute.Type.LAND_PROPERTY: [
        "两户村民因宅基地边界问题发生争执，一方拆除对方围墙。",
        "因山林承包界址不清，两个村民小组发生纠纷。",
        "房屋买卖后过户手续未办，买卖双方互不相让。",
        "因祖屋拆迁补偿分配，家族成员之间发生纠纷。",
    ],
    Dispute.Type.LABOUR_WAGES: [
        "多名务工人员称被拖欠工资数月，聚集到工地讨要。",
        "员工离职后单位拒付最后一个月工资和加班费。",
        "装修工人与包工头因工钱结算发生争吵。",
    ],
    Dispute.Type.CONSUMER: [
        "顾客称购买的电器存在质量问题，商家拒绝退换。",
        "预付卡商家停业，多名消费者要求退款。",
        "餐饮消费后因收费问题与店家发生争吵。",
    ],
    Dispute.Type.TRAFFIC: [
        "两车剐蹭后对赔偿金额争议较大，双方在路口争吵。",
        "电动车与行人相撞致伤，医疗费赔偿未谈拢。",
        "交通事故责任认定后，赔偿款迟迟未支付。",
    ],
    Dispute.Type.DEBT: [
        "朋友之间借款到期未还，债权人多次上门催讨发生冲突。",
        "民间借贷纠纷，双方对利息计算有分歧。",
        "合伙经营散伙后，对欠款数额各执一词。",
    ],
    Dispute.Type.OTHER: [
        "因停车位占用问题，两名车主发生争执。",
        "村民因鱼塘承包费用与村委会发生纠纷。",
        "因宠物狗咬伤他人，双方就赔偿发生争执。",
    ],
}
TYPE_WEIGHTS = [
    (Dispute.Type.NEIGHBOUR, 26),
    (Dispute.Type.FAMILY, 20),
    (Dispute.Type.LAND_PROPERTY, 12),
    (Dispute.Type.LABOUR_WAGES, 10),
    (Dispute.Type.CONSUMER, 8),
    (Dispute.Type.TRAFFIC, 9),
    (Dispute.Type.DEBT, 10),
    (Dispute.Type.OTHER, 5),
]
MEDIATORS = [
    ("老王", Mediator.Kind.COMMUNITY),
    ("刘主任", Mediator.Kind.COMMUNITY),
    ("周调解员", Mediator.Kind.COMMITTEE),
    ("陈律师", Mediator.Kind.LAWYER),
]


def _id_number(rng: random.Random, minor: bool) -> str:
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    year = rng.randint(2010, 2014) if minor else rng.randint(1955, 2000)
    body = f"330127{year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}{rng.randint(0, 999):03d}"
    check = "10X98765432"[
        sum(int(c) * w for c, w in zip(body, weights, strict=True)) % 11
    ]
    return body + check


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"


def _name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, 0), tzinfo=SHANGHAI)


class _Demo:
    def __init__(self, count: int, seed: int = 2026):
        self.rng = random.Random(seed)
        self.count = count
        self.today = timezone.localdate()
        self.units = {u.code: u for u in Unit.objects.filter(code__in=STATIONS)}
        users = get_user_model().objects.filter(is_active=True)
        self.officers = {
            u.unit.code: u
            for u in users.filter(role=Role.OFFICER).select_related("unit")
        }
        self.supervisor = users.filter(role=Role.SUPERVISOR).first()
        self.repeat_people: list[PartyData] = []
        self.hot_addresses: dict[str, list[str]] = {}

    def actor(self, code: str):
        return self.officers.get(code) or self.supervisor

    def address(self, code: str) -> str:
        town, roads = STATIONS[code]
        hot = self.hot_addresses.setdefault(
            code,
            [
                f"和平县{town}{self.rng.choice(roads)}{self.rng.randint(1, 80)}号"
                for _ in range(2)
            ],
        )
        if self.rng.random() < 0.08:
            return self.rng.choice(hot)
        return f"和平县{town}{self.rng.choice(roads)}{self.rng.randint(1, 300)}号"

    def point(self, code: str) -> tuple[float, float]:
        col, row = CELLS[code]
        lon = self.rng.uniform(LON_CUTS[col] + 0.005, LON_CUTS[col + 1] - 0.005)
        lat = self.rng.uniform(LAT_CUTS[row] + 0.005, LAT_CUTS[row + 1] - 0.005)
        return round(lon, 5), round(lat, 5)

    def parties(self, dispute_type: str) -> list[PartyData]:
        rng = self.rng
        people = []
        if self.repeat_people and rng.random() < 0.07:
            people.append(rng.choice(self.repeat_people))
        else:
            minor = dispute_type == Dispute.Type.FAMILY and rng.random() < 0.1
            p = PartyData(
                name=_name(rng),
                phone=_phone(rng),
                id_number=_id_number(rng, minor) if rng.random() < 0.5 else "",
                is_minor=minor,
                vulnerable=rng.random() < 0.08,
            )
            people.append(p)
            if rng.random() < 0.05:
                self.repeat_people.append(p)
        if (
            dispute_type in (Dispute.Type.LABOUR_WAGES, Dispute.Type.CONSUMER)
            and rng.random() < 0.6
        ):
            people.append(
                PartyData(
                    name=rng.choice(COMPANIES),
                    kind=Party.Kind.ORGANISATION,
                    side=Party.Side.B,
                    phone=f"0571-86{rng.randint(100000, 999999)}",
                )
            )
        else:
            people.append(
                PartyData(name=_name(rng), side=Party.Side.B, phone=_phone(rng))
            )
        if rng.random() < 0.1:
            people.append(
                PartyData(name=_name(rng), side=Party.Side.OTHER, phone=_phone(rng))
            )
        return people

    def from_appeals(self, limit: int = 15) -> int:
        """Register the newest dispute-like demo appeals as disputes (linked both ways)."""
        from django.apps import apps

        if not apps.is_installed("jingmin.appeals"):
            return 0
        appeal_model = apps.get_model("appeals", "Appeal")
        appeals = (
            appeal_model.objects.filter(
                unit__kind=Unit.Kind.STATION, category__name__contains="纠纷"
            )
            .exclude(phone="")
            .order_by("-created_at")[:limit]
        )
        made = 0
        for appeal in appeals:
            services.dispute_register_from_appeal(
                appeal=appeal, actor=self.supervisor, confirm_new=True
            )
            made += 1
        return made

    def clusters(self) -> None:
        """A few parties and addresses that keep coming back (they raise warnings)."""
        rng = self.rng
        codes = list(STATIONS)
        for k in range(3):
            code = codes[k]
            person = PartyData(name=_name(rng), phone=_phone(rng))
            address = self.address(code)
            for _i in range(3):
                self.one(
                    0, code=code, age=rng.randint(3, 80), first=person, address=address
                )

    def one(
        self,
        i: int,
        *,
        code: str = "",
        age: int | None = None,
        first: PartyData | None = None,
        address: str = "",
    ) -> None:
        rng = self.rng
        code = code or rng.choice(list(STATIONS))
        dispute_type = rng.choices(
            [t for t, _w in TYPE_WEIGHTS], [w for _t, w in TYPE_WEIGHTS]
        )[0]
        if age is None:
            age = int(rng.triangular(0, 365, 20))
        registered = self.today - dt.timedelta(days=age)
        lon, lat = self.point(code)
        amount = None
        if dispute_type in (
            Dispute.Type.LABOUR_WAGES,
            Dispute.Type.DEBT,
            Dispute.Type.TRAFFIC,
            Dispute.Type.LAND_PROPERTY,
        ):
            amount = Decimal(
                rng.choice([3000, 8000, 12000, 30000, 60000, 150000, 400000])
            )
        data = DisputeData(
            type=dispute_type,
            summary=rng.choice(SUMMARIES[dispute_type]),
            parties=([first] if first else self.parties(dispute_type)[:1])
            + self.parties(dispute_type)[1:],
            address=address or self.address(code),
            lon=lon,
            lat=lat,
            source=rng.choices(
                [
                    Dispute.Source.STATION,
                    Dispute.Source.MEDIATOR_REPORT,
                    Dispute.Source.IMPORT,
                ],
                [90, 6, 4],
            )[0],
            amount=amount,
            people_count=rng.choice([2, 2, 2, 3, 4, 6, 12])
            if dispute_type == Dispute.Type.LABOUR_WAGES
            else rng.choice([2, 2, 2, 3]),
            threats_violence=rng.random() < 0.15,
            weapons=rng.random() < 0.04,
        )
        if data.source == Dispute.Source.MEDIATOR_REPORT:
            data.reporter = f"{STATIONS[code][0]}人民调解委员会"
        actor = self.actor(code)
        dispute = services.dispute_register(
            data=data,
            actor=actor if data.source != Dispute.Source.IMPORT else None,
            unit=self.units[code],
            confirm_new=True,
            created_at=_at(registered, rng.randint(8, 20)),
        )
        if rng.random() < 0.05:
            party = dispute.parties.filter(kind=Party.Kind.PERSON).first()
            if party:
                services.party_flag_violent(
                    party=party, flag=True, reason="曾因殴打他人被行政拘留", actor=actor
                )
        self.progress(dispute, registered, actor)

    def progress(self, dispute: Dispute, registered: dt.date, actor) -> None:
        rng = self.rng
        age = (self.today - registered).days
        if age < 2 or (age < 10 and rng.random() < 0.5):
            return  # recently registered: not mediated yet
        first = min(registered + dt.timedelta(days=rng.randint(0, 3)), self.today)
        people = list(dispute.parties.all())
        minors = any(p.is_minor for p in people)
        mediators = [
            (
                actor.display_name.split("（")[0] if actor else "值班民警",
                Mediator.Kind.POLICE,
            )
        ]
        mediators.append(rng.choice(MEDIATORS))

        def session(day: dt.date, outcome: str) -> MediationSession:
            return services.session_record(
                dispute=dispute,
                data=SessionData(
                    held_on=day,
                    kind=MediationSession.Kind.PUBLIC_ORDER,
                    outcome=outcome,
                    mediators=mediators,
                    attendee_ids=[p.pk for p in people],
                    place=f"{dispute.unit.name}调解室",
                    guardian_present=minors,
                    guardian_name=_name(rng) if minors else "",
                ),
                actor=actor,
            )

        succeeded = rng.random() < 0.72
        s = session(
            first,
            MediationSession.Outcome.AGREED
            if succeeded
            else MediationSession.Outcome.FAILED,
        )
        if not succeeded and rng.random() < 0.5 and age > 8:
            second = min(first + dt.timedelta(days=rng.randint(2, 6)), self.today)
            try:
                succeeded = rng.random() < 0.5
                s = session(
                    second,
                    MediationSession.Outcome.AGREED
                    if succeeded
                    else MediationSession.Outcome.FAILED,
                )
            except DomainError:
                succeeded = False
        end_day = s.held_on
        if succeeded:
            services.agreement_create(
                dispute=dispute,
                session=s,
                terms=self.terms(dispute),
                performance="协议签订之日起十日内履行完毕",
                signed_on=end_day,
                actor=actor,
            )
            Dispute.objects.filter(pk=dispute.pk).update(agreed_at=_at(end_day, 16))
        elif rng.random() < 0.8:
            target = rng.choice(Referral.Target.values)
            services.referral_create(
                dispute=dispute,
                target=target,
                body="和平县人民法院"
                if target == Referral.Target.COURT
                else f"{STATIONS[dispute.unit.code][0]}人民调解委员会",
                reason="经两次治安调解未能达成协议，告知当事人依法解决途径。",
                referred_on=end_day,
                actor=actor,
            )
            Dispute.objects.filter(pk=dispute.pk).update(referred_at=_at(end_day, 16))
        else:
            return  # still being mediated
        if rng.random() < 0.02:
            services.dispute_escalation_record(
                dispute=dispute,
                kind=rng.choice(Dispute.CaseKind.values),
                note="事后发生殴打，已立案",
                actor=actor,
            )
        self.followups(dispute, actor)

    def terms(self, dispute: Dispute) -> str:
        amount = f"{dispute.amount:,.0f}" if dispute.amount else "1,500"
        return (
            f"一、乙方于十日内向甲方支付人民币{amount}元，一次付清。\n"
            "二、双方今后不得再因此事发生争执，互不打扰、互不报复。\n"
            "三、甲方收到款项后，双方就本纠纷再无其他争议。"
        )

    def followups(self, dispute: Dispute, actor) -> None:
        rng = self.rng
        for f in FollowUp.objects.filter(dispute=dispute).order_by("due_on"):
            if f.due_on > self.today or rng.random() < 0.05:
                break  # future, or left overdue for the demo
            outcome = (
                FollowUp.Outcome.STABLE
                if rng.random() < 0.93
                else FollowUp.Outcome.UNSTABLE
            )
            services.followup_complete(
                followup=f,
                done_on=f.due_on,
                outcome=outcome,
                notes="双方均表示协议已履行，关系缓和。"
                if outcome == FollowUp.Outcome.STABLE
                else "双方仍有怨言，需继续关注。",
                actor=actor,
            )
            if outcome == FollowUp.Outcome.UNSTABLE and rng.random() < 0.5:
                services.dispute_reopen(
                    dispute=dispute, reason="回访发现双方再次发生争吵", actor=actor
                )
                return
        dispute.refresh_from_db()
        if not dispute.followups.filter(done_on__isnull=True, cancelled=False).exists():
            services.dispute_close(dispute=dispute, actor=actor)
            last = dispute.followups.order_by("-done_on").first()
            Dispute.objects.filter(pk=dispute.pk).update(
                closed_at=_at(last.done_on, 17)
            )


def seed(out=None, count: int = 320) -> None:
    if Dispute.objects.exists():
        if out:
            out.write("  mediation: disputes exist, left alone")
        return
    demo = _Demo(count)
    if len(demo.units) < len(STATIONS) or demo.supervisor is None:
        if out:
            out.write("  mediation: demo units or users missing, skipped")
        return
    with transaction.atomic():
        for i in range(count):
            demo.one(i)
        demo.clusters()
        linked = demo.from_appeals()
        counts = warnings_recompute()
    if out:
        out.write(
            f"  mediation: {Dispute.objects.count()} disputes ({linked} from appeals), "
            f"{counts['active']} warnings"
        )
