"""Demo Open311 client (key ``demo-open311-key``, the demo only) and a few questions.

Idempotent: a second run finds everything in place and changes nothing.
"""

from __future__ import annotations

from typing import TextIO

from django.db import transaction

from jingmin.appeals.models import Category

from .models import Open311Client
from .services import client_issue

DEMO_KEY = "demo-open311-key"
DEMO_CLIENT = "演示客户端"
DEMO_NOTES = ["Open311 demo API key: demo-open311-key (base /open311/v2/)"]

# Extra questions (Open311 attributes) for categories the appeals demo leaves without (噪音 zaoyin, 违停 weiting).
QUESTIONS = {
    "zaoyin": [
        {
            "code": "source",
            "label": "噪音来源",
            "datatype": "singlevaluelist",
            "required": True,
            "values": [
                {"key": "dance", "name": "广场舞"},
                {"key": "shop", "name": "商铺外放"},
                {"key": "site", "name": "工地施工"},
                {"key": "other", "name": "其他"},
            ],
        },
        {
            "code": "times",
            "label": "发生时段",
            "datatype": "multivaluelist",
            "required": False,
            "values": [
                {"key": "morning", "name": "早晨"},
                {"key": "day", "name": "白天"},
                {"key": "night", "name": "夜间（22时后）"},
            ],
        },
    ],
    "weiting": [
        {
            "code": "plate",
            "label": "车牌号",
            "datatype": "string",
            "required": False,
            "datatype_description": "如 浙A12345，看不清可不填",
        },
        {
            "code": "blocking",
            "label": "是否堵塞通道",
            "datatype": "singlevaluelist",
            "required": True,
            "values": [
                {"key": "fire_lane", "name": "堵塞消防通道"},
                {"key": "entrance", "name": "堵塞出入口"},
                {"key": "no", "name": "未堵塞"},
            ],
        },
    ],
}


@transaction.atomic
def seed(out: TextIO | None = None) -> None:
    if not Open311Client.objects.filter(name=DEMO_CLIENT).exists():
        client_issue(
            actor=None,
            name=DEMO_CLIENT,
            contact="演示用，勿用于生产",
            rate_per_minute=120,
            raw_key=DEMO_KEY,
        )
        if out:
            out.write(f"open311: demo client, key {DEMO_KEY}\n")
    for code, questions in QUESTIONS.items():
        updated = Category.objects.filter(code=code, questions=[]).update(
            questions=questions
        )
        if updated and out:
            out.write(f"open311: questions for category {code}\n")
