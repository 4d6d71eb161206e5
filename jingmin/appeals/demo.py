"""Demo data for appeals: the category taxonomy, labelled history generated from
templates, a trained classifier, and a few hundred appeals in every state spread
over recent months so the dashboard means something.

Idempotent: categories are found by code, the history and the appeals are only
generated when none exist, and a model is trained only when none is active.
Deterministic: one seeded random generator.
"""

from __future__ import annotations

import datetime as dt
import random
import re

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone

from jingmin.accounts.models import User
from jingmin.org.models import BusinessArea, Unit

from . import deadlines, services
from .classifier import classifier_train
from .metrics import metrics_refresh
from .models import (
    Appeal,
    AppealEvent,
    Category,
    ClassifierModel,
    LabelledText,
    LimitUnit,
    Urgency,
)

DEMO_NOTES = [
    "诉求：公众端 /appeals/ 提交诉求，凭查询码在 /appeals/track/ 查看进度与评价；",
    "诉求：jiexian 分拨队列与电话登记；minjing 签收答复，suozhang 审批；lianluo 处理转办；zhihui 看三率与督办。",
]

U = Urgency
# parent code, parent name, police duty, [(code, name, area or unit, urgency,
#   confidential, reply template, sentences)]
TAXONOMY: list[tuple[str, str, bool, list[tuple]]] = [
    (
        "zhian",
        "治安",
        True,
        [
            (
                "zaoyin",
                "噪音扰民",
                None,
                U.ORDINARY,
                False,
                "您好，关于您反映的噪音扰民问题，我所已派员到场处置并对相关人员进行了批评教育，",
                [
                    "{place}附近每天晚上{time}有人{noise}，吵得睡不着",
                    "{place}的{venue}深夜{noise}，多次劝说无效",
                    "楼下{venue}音响声音太大，{time}还在{noise}，请派出所管一管",
                    "{place}广场舞音响噪音扰民，{time}还没停",
                ],
            ),
            (
                "daoqie",
                "盗窃",
                None,
                U.ORDINARY,
                False,
                "您好，关于您反映的被盗情况，我所已受案并开展调查，",
                [
                    "我停在{place}的{item}被偷了，{time}发现不见的",
                    "{place}小区最近接连发生{item}被盗，希望加强巡逻",
                    "{time}在{place}发现家里被撬，丢了{item}",
                    "{place}车棚里的{item}被人偷走，有监控可以查",
                ],
            ),
            (
                "dajia",
                "打架斗殴",
                None,
                U.URGENT,
                False,
                "您好，关于您反映的打架斗殴问题，我所已出警处置，",
                [
                    "{place}有人打架，{time}好几个人在动手",
                    "{place}的{venue}门口经常有人酒后闹事斗殴",
                    "{time}在{place}被人殴打受伤，要求处理",
                ],
            ),
            (
                "xiansuo",
                "违法犯罪线索",
                None,
                U.ORDINARY,
                True,
                "您好，您提供的线索已收悉，我们将依法核查，",
                [
                    "举报{place}有人聚众赌博，{time}人最多",
                    "{place}一个出租屋疑似有人吸毒，进出人员复杂",
                    "举报{place}的{venue}涉嫌卖淫嫖娼",
                ],
            ),
        ],
    ),
    (
        "jiaotong_guanli",
        "交通管理",
        True,
        [
            (
                "weiting",
                "违法停车",
                "jiaojing",
                U.ORDINARY,
                False,
                "您好，关于您反映的违法停车问题，交警大队已安排警力巡查整治，",
                [
                    "{place}路边长期有车辆乱停乱放，堵住了{exit}",
                    "{place}人行道上停满了车，行人只能走机动车道",
                    "{time}{place}有车辆违停占用消防通道",
                ],
            ),
            (
                "xinhaodeng",
                "交通信号设施",
                "jiaojing",
                U.ORDINARY,
                False,
                "您好，关于您反映的交通信号设施问题，交警大队已派员检修，",
                [
                    "{place}路口的红绿灯坏了，{time}一直不亮",
                    "{place}红绿灯时间太短，老人过马路来不及",
                    "{place}缺少斑马线和减速标志，车速太快很危险",
                ],
            ),
            (
                "shigu",
                "交通事故处理",
                "jiaojing",
                U.ORDINARY,
                False,
                "您好，关于您反映的交通事故处理问题，交警大队已调取材料核查，",
                [
                    "{time}在{place}发生交通事故，对事故认定有异议",
                    "{place}交通事故后对方肇事逃逸，希望尽快处理",
                    "交通事故责任认定书迟迟没有出来，{place}事故",
                ],
            ),
        ],
    ),
    (
        "huji",
        "户籍",
        True,
        [
            (
                "qianyi",
                "户口迁移",
                None,
                U.ORDINARY,
                False,
                "您好，关于您咨询的户口迁移问题，",
                [
                    "想把户口从{place}迁到和平县，需要准备哪些材料",
                    "孩子落户{place}需要什么手续",
                    "结婚后户口迁入{place}怎么办理",
                ],
            ),
            (
                "shenfenzheng",
                "身份证办理",
                "zhengwu",
                U.ORDINARY,
                False,
                "您好，关于您咨询的居民身份证办理问题，",
                [
                    "身份证丢了，在{place}怎么补办，多久能拿到",
                    "身份证快到期了，可以异地换领吗",
                    "{time}去办身份证排队太久，能不能网上预约",
                ],
            ),
        ],
    ),
    (
        "churujing_cat",
        "出入境",
        True,
        [
            (
                "huzhao",
                "护照签注",
                "churujing",
                U.ORDINARY,
                False,
                "您好，关于您咨询的出入境证件办理问题，",
                [
                    "办理护照需要什么材料，在哪里办理",
                    "港澳通行证签注过期了，怎么续签",
                    "护照办理进度查询，{time}提交的申请还没下来",
                ],
            ),
        ],
    ),
    (
        "wangluo",
        "网络安全",
        True,
        [
            (
                "wangzha",
                "网络诈骗",
                None,
                U.URGENT,
                False,
                "您好，关于您反映的网络诈骗问题，我局已受案并开展止付、调查工作，",
                [
                    "接到冒充{imposter}的电话，被骗转账{money}元",
                    "网上{scam}被骗了{money}元，对方已经拉黑",
                    "{time}在{app}上{scam}，被骗{money}元",
                ],
            ),
            (
                "yaoyan",
                "网络谣言",
                None,
                U.ORDINARY,
                False,
                "您好，关于您反映的网络信息问题，我局网安部门已核查处置，",
                [
                    "网上有人造谣说{place}出事了，影响很坏",
                    "{app}群里有人散布{place}的不实信息",
                    "有人在网上发布侮辱诽谤我的帖子",
                ],
            ),
        ],
    ),
    (
        "qiuzhu",
        "求助",
        True,
        [
            (
                "zoushi",
                "人员走失",
                None,
                U.URGENT,
                False,
                "您好，关于您的求助，我所已组织警力协助寻找，",
                [
                    "家里老人{time}在{place}走失，有老年痴呆",
                    "孩子放学后没回家，最后出现在{place}",
                    "{place}看到一个迷路的小孩，找不到家长",
                ],
            ),
            (
                "kaisuo",
                "开锁求助",
                None,
                U.ORDINARY,
                False,
                "您好，关于您的求助，",
                [
                    "钥匙锁在家里了，{place}附近有没有正规开锁的",
                    "{time}门锁坏了进不去家，{place}",
                    "老人被反锁在屋里，{place}，请帮忙",
                ],
            ),
        ],
    ),
    (
        "jingfeng",
        "警风警纪",
        True,
        [
            (
                "zuofeng",
                "民警作风",
                "ducha",
                U.ORDINARY,
                False,
                "您好，关于您反映的民警作风问题，督察大队已进行调查核实，",
                [
                    "{place}派出所窗口民警态度恶劣，{time}办事被刁难",
                    "报警后出警太慢，{place}等了很久",
                    "民警办案推诿，{place}的案子一直没人管",
                ],
            ),
        ],
    ),
    (
        "jiufen_cat",
        "矛盾纠纷",
        True,
        [
            (
                "linli",
                "邻里纠纷",
                None,
                U.ORDINARY,
                False,
                "您好，关于您反映的邻里纠纷，我所社区民警已上门调解，",
                [
                    "和{place}的邻居因为{dispute}发生纠纷，多次协商不成",
                    "楼上邻居{dispute}，沟通没用还吵了起来",
                    "{place}两家人因为{dispute}吵架，怕闹出事",
                ],
            ),
            (
                "jiating",
                "家庭纠纷",
                None,
                U.ORDINARY,
                True,
                "您好，关于您反映的家庭纠纷，我所已上门了解情况，",
                [
                    "家里因为{dispute}经常吵架，对方还动手",
                    "丈夫酒后打人，{place}，希望警察出面",
                    "和家人因为{dispute}闹矛盾，需要调解",
                ],
            ),
        ],
    ),
    (
        "chengxiang",
        "城乡建设",
        False,
        [
            (
                "shigong",
                "工地施工",
                "urban",
                U.ORDINARY,
                False,
                "",
                [
                    "{place}工地{time}还在施工，噪音和灰尘很大",
                    "{place}的工地渣土车撒漏，路面很脏",
                    "{place}在建楼盘夜间违规施工",
                ],
            ),
            (
                "wuye",
                "物业管理",
                "urban",
                U.ORDINARY,
                False,
                "",
                [
                    "{place}小区物业不作为，电梯坏了没人修",
                    "物业乱收费，{place}小区停车费涨价",
                    "{place}小区公共区域被物业出租",
                ],
            ),
        ],
    ),
    (
        "huanjing",
        "环境保护",
        False,
        [
            (
                "wuran",
                "环境污染",
                "environment",
                U.ORDINARY,
                False,
                "",
                [
                    "{place}的工厂偷排污水，河水发黑发臭",
                    "{place}附近有人焚烧垃圾，烟很大",
                    "{place}的企业废气刺鼻，{time}特别严重",
                ],
            ),
        ],
    ),
    (
        "jiaotong_yunshu",
        "交通运输",
        False,
        [
            (
                "gongjiao",
                "公交出租",
                "transport",
                U.ORDINARY,
                False,
                "",
                [
                    "{place}的公交车经常不按时发车",
                    "出租车司机拒载绕路，{time}在{place}",
                    "希望在{place}增设公交站点",
                ],
            ),
        ],
    ),
    (
        "jiaoyu",
        "教育文体",
        False,
        [
            (
                "xuexiao",
                "教育收费",
                "education",
                U.ORDINARY,
                False,
                "",
                [
                    "{place}学校乱收费，要求买教辅资料",
                    "孩子入学难，{place}学区划分不合理",
                    "{place}培训机构收了学费跑路",
                ],
            ),
        ],
    ),
    (
        "laodong",
        "劳动和社会保障",
        False,
        [
            (
                "gongzi",
                "拖欠工资",
                "labour",
                U.COMPLEX,
                False,
                "",
                [
                    "{place}的老板拖欠我们{money}元工资，{time}一直不给",
                    "{place}工地包工头欠薪跑路，{money}元",
                    "公司不给交社保，{place}",
                ],
            ),
        ],
    ),
    (
        "shangmao",
        "商贸旅游",
        False,
        [
            (
                "lvyou",
                "旅游投诉",
                "commerce",
                U.ORDINARY,
                False,
                "",
                [
                    "{place}景区强制购物，导游态度恶劣",
                    "{place}农家乐宰客，一顿饭{money}元",
                    "{place}旅行社合同纠纷",
                ],
            ),
        ],
    ),
    (
        "weisheng",
        "卫生计生",
        False,
        [
            (
                "yiliao",
                "医疗服务",
                "health",
                U.ORDINARY,
                False,
                "",
                [
                    "{place}医院看病排队太久，服务差",
                    "{place}诊所疑似无证行医",
                    "{place}卫生院收费不透明",
                ],
            ),
        ],
    ),
    (
        "shichang",
        "市场监管",
        False,
        [
            (
                "shipin",
                "食品安全",
                "market",
                U.ORDINARY,
                False,
                "",
                [
                    "在{place}的饭店吃出了虫子，后厨很脏",
                    "{place}超市卖过期食品",
                    "{place}小摊卖的熟食没有卫生许可",
                ],
            ),
            (
                "jiage",
                "价格欺诈",
                "market",
                U.ORDINARY,
                False,
                "",
                [
                    "{place}商店明码标价和结账价格不一样",
                    "{place}加油站缺斤少两",
                    "网购在{place}的店铺买到假货，商家不退款",
                ],
            ),
        ],
    ),
    (
        "shuidian",
        "水电气暖",
        False,
        [
            (
                "tingshui",
                "停水停电",
                "utilities",
                U.UTILITIES,
                False,
                "",
                [
                    "{place}{time}停水了，也没有提前通知",
                    "{place}小区经常停电，冰箱里的东西都坏了",
                    "{place}燃气管道漏气，有很大的气味",
                ],
            ),
        ],
    ),
    (
        "chengguan_cat",
        "城市管理",
        False,
        [
            (
                "zhandao",
                "占道经营",
                "city_management",
                U.ORDINARY,
                False,
                "",
                [
                    "{place}路边小摊占道经营，堵塞交通",
                    "{place}商铺把货物摆到人行道上",
                    "{place}夜市摊位油烟大、垃圾乱扔",
                ],
            ),
        ],
    ),
    (
        "minzheng_cat",
        "民政救助",
        False,
        [
            (
                "jiuzhu",
                "困难救助",
                "civil_affairs",
                U.ORDINARY,
                False,
                "",
                [
                    "{place}有一位孤寡老人生活困难，希望得到救助",
                    "家里因病致贫，{place}，怎么申请低保",
                    "{place}桥下有流浪人员，天冷需要救助",
                ],
            ),
        ],
    ),
]

SLOTS = {
    "place": [
        "人民路",
        "迎宾大道",
        "城关镇幸福小区",
        "东城街道阳光花园",
        "西山镇",
        "南湖街道湖滨路",
        "北岭乡",
        "临江镇沿江东路",
        "文教路",
        "商贸街",
        "健康路",
        "建设路",
        "新华小区",
        "锦绣家园",
        "火车站附近",
        "汽车站",
    ],
    "time": [
        "晚上十一点",
        "凌晨两点",
        "每天早上六点",
        "上周末",
        "昨天下午",
        "最近一个月",
    ],
    "noise": ["唱歌", "装修", "喝酒吵闹", "放音乐", "打麻将"],
    "venue": ["KTV", "烧烤店", "酒吧", "棋牌室", "夜宵摊"],
    "item": ["电动车", "自行车", "电瓶", "手机", "现金"],
    "exit": ["小区出入口", "消防通道", "公交站", "学校门口"],
    "imposter": ["公检法", "快递客服", "银行", "领导"],
    "money": ["3000", "5800", "12000", "20000", "800"],
    "scam": ["刷单返利", "投资理财", "网络贷款", "游戏账号交易"],
    "app": ["微信", "QQ", "抖音", "某购物平台"],
    "dispute": ["漏水", "停车位", "宅基地", "装修噪音", "养狗"],
}
TAILS = [
    "",
    "希望尽快处理。",
    "请有关部门管一管！",
    "已经反映过多次了。",
    "谢谢！",
    "盼复。",
]
# What a citizen might call each kind of problem: Open311's `keywords` and the
# admin's search (comma-separated, as GeoReport v2 lists them). Not the training
# sentences, whose {place}/{time} slots are filled only when text is generated.
KEYWORDS: dict[str, str] = {
    "zaoyin": "噪音,扰民,吵闹,广场舞,深夜喧哗,音响",
    "daoqie": "盗窃,被偷,失窃,撬门,电动车被盗,丢东西",
    "dajia": "打架,斗殴,动手,打人,寻衅滋事",
    "xiansuo": "举报,线索,赌博,吸毒,传销,违法犯罪",
    "weiting": "违停,乱停车,占用车位,堵路,挡道",
    "xinhaodeng": "红绿灯,信号灯,交通标志,标线,路口",
    "shigu": "交通事故,车祸,事故认定,剐蹭,追尾",
    "qianyi": "户口迁移,落户,迁户口,准迁证,投靠",
    "shenfenzheng": "身份证,补办身份证,换证,临时身份证,身份证丢了",
    "huzhao": "护照,港澳通行证,台湾通行证,签注,出入境",
    "wangzha": "诈骗,电信诈骗,网络诈骗,被骗,转账,刷单",
    "yaoyan": "谣言,造谣,网上传言,不实信息",
    "zoushi": "走失,找人,老人走失,孩子走失,失踪",
    "kaisuo": "开锁,钥匙锁屋里,锁坏了,进不了门",
    "zuofeng": "民警态度,作风,投诉民警,刁难,推诿",
    "linli": "邻里纠纷,邻居,漏水,楼道堆物,宅基地",
    "jiating": "家庭纠纷,家暴,夫妻吵架,赡养,分家",
    "shigong": "工地,施工噪音,夜间施工,扬尘,渣土车",
    "wuye": "物业,电梯,小区管理,物业费,维修",
    "wuran": "污染,排污,污水,废气,异味,垃圾焚烧",
    "gongjiao": "公交,出租车,拒载,绕路,公交站点,班次",
    "xuexiao": "学校收费,乱收费,教辅资料,补课,择校费",
    "gongzi": "拖欠工资,欠薪,讨薪,包工头,劳动报酬",
    "lvyou": "旅游,景区,导游,强制购物,门票",
    "yiliao": "医院,看病,医疗服务,排队,医生态度",
    "shipin": "食品安全,饭店,过期食品,卫生差,无证经营",
    "jiage": "价格,明码标价,价格欺诈,缺斤短两,宰客",
    "tingshui": "停水,停电,停气,暖气,没有通知",
    "zhandao": "占道经营,小摊,流动摊贩,乱摆摊,店外经营",
    "jiuzhu": "困难救助,低保,孤寡老人,临时救助,生活困难",
}

# Categories whose appeals are about a person in a vulnerable situation (missing
# people, often elderly or children; fraud victims and their losses; a family's
# hardship): not listed publicly at all, even without their text (ADR 052).
NOT_PUBLIC = {"wangzha", "zoushi", "jiating", "jiuzhu"}

HISTORY_PER_CATEGORY = 110
DEMO_APPEALS = 300
LABEL_NOISE = 0.04  # real history has mislabelled rows


def _fill(rng: random.Random, template: str) -> str:
    out = template
    for key, values in SLOTS.items():
        while "{" + key + "}" in out:
            out = out.replace("{" + key + "}", rng.choice(values), 1)
    return out


def _text(rng: random.Random, sentences: list[str]) -> tuple[str, str]:
    first = _fill(rng, rng.choice(sentences))
    body = first + "，" + rng.choice(TAILS) if rng.random() < 0.7 else first + "。"
    if rng.random() < 0.3:
        body += _fill(rng, rng.choice(sentences)) + "。"
    return first[:24], body


def _categories() -> dict[str, tuple[Category, list[str]]]:
    units = {u.code: u for u in Unit.objects.all()}
    areas = {a.code: a for a in BusinessArea.objects.all()}
    leaves: dict[str, tuple[Category, list[str]]] = {}
    for order, (pcode, pname, police, children) in enumerate(TAXONOMY):
        parent, _ = Category.objects.get_or_create(
            code=pcode,
            defaults={"name": pname, "is_police_duty": police, "sort_order": order},
        )
        for corder, (
            code,
            name,
            target,
            urgency,
            secret,
            template,
            sentences,
        ) in enumerate(children):
            defaults = {
                "parent": parent,
                "name": name,
                "is_police_duty": police,
                "urgency": urgency,
                "is_confidential": secret,
                "is_public": not secret and code not in NOT_PUBLIC,
                "reply_template": template,
                "sort_order": corder,
                "description_public": f"{pname}：{name}",
                "keywords": KEYWORDS.get(code, name),
            }
            if police and target:
                defaults["default_unit"] = units.get(target)
            if not police:
                defaults["business_area"] = areas.get(target)
            if code == "shigu":
                defaults["reply_limit"] = 10
                defaults["reply_limit_unit"] = LimitUnit.WORKING_DAYS
            category, created = Category.objects.get_or_create(
                code=code, defaults=defaults
            )
            if not created and "{" in category.keywords:  # seeded before KEYWORDS
                category.keywords = defaults["keywords"]
                category.save(update_fields=["keywords"])
            if not created and code in NOT_PUBLIC and category.is_public:
                category.is_public = False  # seeded when they were public
                category.save(update_fields=["is_public"])
            leaves[code] = (category, sentences)
    return leaves


def _history(rng: random.Random, leaves: dict) -> int:
    if LabelledText.objects.filter(origin=LabelledText.Origin.IMPORT).exists():
        return 0
    now = timezone.now()
    rows = []
    all_sentences = [s for _c, s in leaves.values()]
    for category, own in leaves.values():
        sentences = own
        for _i in range(HISTORY_PER_CATEGORY):
            sentences = rng.choice(all_sentences) if rng.random() < LABEL_NOISE else own
            title, body = _text(rng, sentences)
            rows.append(
                LabelledText(
                    title=title if rng.random() < 0.6 else "",
                    body=body,
                    category=category,
                    origin=LabelledText.Origin.IMPORT,
                    created_at=now - dt.timedelta(days=rng.randint(30, 900)),
                )
            )
    LabelledText.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


def _point(rng: random.Random) -> tuple[float, float]:
    return round(rng.uniform(119.955, 120.245), 5), round(
        rng.uniform(30.005, 30.195), 5
    )


def _hours(value: float) -> dt.timedelta:
    return dt.timedelta(hours=value)


TIME_IN_TEXT = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")  # triage.department_context


def _backdate(rng: random.Random, appeal: Appeal, age_days: float) -> None:
    """Move an appeal's life (run through the services just now) into the past,
    with plausible gaps: acceptance within ~2 h (sometimes late), replies after
    hours to weeks, ratings a few days later. The deadlines are computed again by
    jingmin.appeals.deadlines from the moved times (working days follow the
    calendar of those dates, not of today), and the forwarding explanation names
    the moved time."""
    appeal.refresh_from_db()
    now = timezone.now()
    start = now - dt.timedelta(days=age_days)
    origin = appeal.created_at

    def moved(value):
        return start + (value - origin) if value else None

    latest = now - dt.timedelta(minutes=1)
    accepted = min(
        start + _hours(rng.choice([0.3, 0.6, 1.0, 1.5, 1.8, 2.5, 5.0])), latest
    )
    urgent = appeal.urgency in (Urgency.URGENT, Urgency.UTILITIES)
    reply_hours = rng.lognormvariate(1.0 if urgent else 4.2, 0.8)
    replied = min(max(start + _hours(reply_hours), accepted), latest)
    closed = min(replied + _hours(rng.uniform(6, 96)), latest)
    changes = {"created_at": start, "escalated_at": None}
    changes["info_due"] = moved(appeal.info_due)  # the demo asks for no information
    changes["updated_at"] = now  # so the metrics refresh recounts its month
    dispatched = moved(appeal.dispatched_at)
    if dispatched is not None:
        category = appeal.category
        reply_due = deadlines.reply_due(dispatched, category, appeal.urgency)
        changes.update(
            dispatched_at=dispatched,
            accept_due=deadlines.accept_due(dispatched, category),
            reply_due=reply_due,
            close_due=deadlines.close_due(
                replied if appeal.replied_at else reply_due, category
            ),
            objection_due=deadlines.objection_due(dispatched)
            if appeal.objection_due
            else None,
        )
    if appeal.accepted_at:
        changes["accepted_at"] = accepted
        changes["accepted_on_time"] = accepted <= changes["accept_due"]
    if appeal.replied_at:
        changes["replied_at"] = replied
        changes["replied_on_time"] = replied <= changes["reply_due"]
    if appeal.closed_at:
        changes["closed_at"] = closed if appeal.replied_at else start
    said = TIME_IN_TEXT.search(appeal.triage_explanation) if dispatched else None
    if said:  # "我们已于{time}将您的诉求转交…" was written with today's time
        when = timezone.localtime(dispatched).strftime("%Y-%m-%d %H:%M")
        changes["triage_explanation"] = appeal.triage_explanation.replace(
            said.group(), when
        )
    Appeal.objects.filter(pk=appeal.pk).update(**changes)
    at = {
        "accept": accepted,
        "reply_submit": replied,
        "reply_approve": replied,
        "department_answer": replied,
        "rate": closed,
        "close_unrated": closed,
    }
    for event in AppealEvent.objects.filter(appeal=appeal):
        event.created_at = at.get(event.action, moved(event.created_at) or start)
        fields = ["created_at"]
        if said and said.group() in event.public_text:
            event.public_text = event.public_text.replace(said.group(), when)
            fields.append("public_text")
        event.save(update_fields=fields)
    appeal.replies.filter(approved_at__isnull=False).update(approved_at=replied)
    appeal.followups.update(created_at=closed)


def _staff(role: str, unit: Unit | None = None, department=None) -> User | None:
    qs = User.objects.filter(role=role, is_active=True)
    if unit is not None:
        qs = qs.filter(unit=unit)
    if department is not None:
        qs = qs.filter(department=department)
    return qs.order_by("pk").first()


def _play(rng: random.Random, appeal: Appeal, age_days: float) -> None:
    """Run the appeal through a plausible life; older ones got further."""
    appeal.refresh_from_db()
    supervisor = _staff("supervisor")
    if appeal.status == Appeal.Status.TRIAGED and supervisor is not None:
        if age_days > 3:  # recent ones stay in the operator's queue
            unit = Unit.objects.filter(kind=Unit.Kind.COMMAND).first()
            services.appeal_designate(appeal=appeal, actor=supervisor, unit=unit)
            appeal.refresh_from_db()
        else:
            return
    if appeal.forwarded_to_id:
        liaison = _staff("liaison", department=appeal.forwarded_to) or supervisor
        if age_days < 1 and rng.random() < 0.5:
            return
        if liaison.role == "liaison":
            services.appeal_accept(appeal=appeal, actor=liaison)
            if age_days > 4 or rng.random() < 0.6:
                services.department_answer(
                    appeal=appeal,
                    actor=liaison,
                    body=f"{appeal.forwarded_to.name}已核实处理：已责成相关单位限期整改，并将持续跟踪。",
                )
        else:
            return
    else:
        officer = _staff("officer", unit=appeal.unit) or supervisor
        leader = _staff("leader", unit=appeal.unit) or supervisor
        if age_days < 0.1 and rng.random() < 0.6:
            return
        services.appeal_accept(appeal=appeal, actor=officer)
        if age_days < 2 and rng.random() < 0.5:
            return
        template = appeal.category.reply_template if appeal.category else ""
        reply = services.reply_submit(
            appeal=appeal,
            actor=officer,
            body=(template or "您好，")
            + "现已处理完毕。如仍有问题，请随时与我们联系。",
        )
        services.reply_approve(reply=reply, actor=leader)
    appeal.refresh_from_db()
    if appeal.status != Appeal.Status.REPLIED or age_days < 2 or rng.random() < 0.15:
        return
    roll = rng.random()
    resolved = roll < 0.8
    satisfaction = (
        "satisfied" if roll < 0.6 else "basically" if roll < 0.85 else "dissatisfied"
    )
    services.appeal_rate(
        appeal=appeal,
        resolved=resolved,
        satisfaction=satisfaction,
        actor=_staff("operator") if rng.random() < 0.4 else None,
    )


def _appeals(rng: random.Random, leaves: dict) -> int:
    if Appeal.objects.filter(attributes__demo=True).exists():
        return 0
    codes = list(leaves)
    weights = [6 if leaves[c][0].is_police_duty else 3 for c in codes]
    for code in ("zaoyin", "daoqie", "weiting"):
        weights[codes.index(code)] = 18  # the county's usual top three
    made = 0
    for i in range(DEMO_APPEALS):
        code = rng.choices(codes, weights)[0]
        category, sentences = leaves[code]
        title, body = _text(rng, sentences)
        lon, lat = _point(rng)
        if rng.random() < 0.03:
            lon, lat = 121.47, 31.23  # someone marks a place outside the county
        with transaction.atomic():
            done = services.appeal_submit(
                data=services.AppealInput(
                    kind=rng.choice(
                        ["complaint", "help", "consultation", "suggestion"]
                    ),
                    body=body,
                    title=title,
                    phone=f"139{rng.randint(10000000, 99999999)}",
                    name=rng.choice(["张", "王", "李", "赵", "刘"])
                    + rng.choice(["先生", "女士"]),
                    lon=lon,
                    lat=lat,
                    address=_fill(rng, "{place}"),
                    category=category if rng.random() < 0.5 else None,
                    attributes={"demo": True},
                )
            )
            age_days = 180 * (i / DEMO_APPEALS) ** 1.3 + rng.random()
            _play(rng, done.appeal, age_days)
            _backdate(rng, done.appeal, age_days)
        made += 1
    return made


@override_settings(NOTIFICATION_BACKEND="jingmin.core.notify.NullBackend")
def seed(out=None) -> None:
    rng = random.Random(2026)
    leaves = _categories()
    with transaction.atomic():
        history = _history(rng, leaves)
    trained = ""
    if not ClassifierModel.objects.filter(active=True).exists():
        result = classifier_train()
        trained = (
            f", model v{result.model.version} accuracy {result.model.accuracy:.3f} "
            f"macro-F1 {result.model.macro_f1:.3f}"
        )
    with transaction.atomic():  # one commit (fsync) instead of one per appeal
        made = _appeals(rng, leaves)
    services.appeals_escalate()
    metrics_refresh(full=True)
    if out:
        out.write(
            f"  appeals: {Category.objects.count()} categories, {history} labelled texts"
            f"{trained}, {made} demo appeals"
        )
