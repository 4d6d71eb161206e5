"""Open311 fixtures: a small public catalogue and one API client."""

from __future__ import annotations

import pytest

from jingmin.appeals.models import Category
from jingmin.open311.services import client_issue

NOISE_QUESTIONS = [
    {
        "code": "source",
        "label": "噪音来源",
        "datatype": "singlevaluelist",
        "required": True,
        "values": [
            {"key": "dance", "name": "广场舞"},
            {"key": "shop", "name": "商铺外放"},
        ],
    },
    {
        "code": "times",
        "label": "发生时段",
        "datatype": "multivaluelist",
        "required": False,
        "values": [{"key": "night", "name": "夜间"}, {"key": "day", "name": "白天"}],
    },
    {"code": "since", "label": "开始时间", "datatype": "datetime", "required": False},
    {"code": "people", "label": "人数", "datatype": "number", "required": False},
]


@pytest.fixture
def catalogue(county) -> dict[str, Category]:
    group = Category.objects.create(code="order", name="治安秩序", sort_order=1)
    cats = {
        "group": group,
        "noise": Category.objects.create(
            parent=group,
            code="noise",
            name="噪音扰民",
            description_public="广场舞、商铺外放等噪音",
            keywords="噪音，扰民,广场舞",
            questions=NOISE_QUESTIONS,
            reply_limit=5,
            default_unit=county.sta,
        ),
        "lost": Category.objects.create(
            parent=group, code="lost", name="失物招领", default_unit=county.sta
        ),
        "family": Category.objects.create(
            parent=group,
            code="family",
            name="家庭纠纷",
            is_public=False,
            default_unit=county.sta,
        ),
        "tip": Category.objects.create(
            parent=group,
            code="tip",
            name="违法犯罪举报",
            is_confidential=True,
            default_unit=county.sta,
        ),
        "retired": Category.objects.create(
            parent=group, code="retired", name="旧类别", active=False
        ),
    }
    return cats


@pytest.fixture
def api_key(county) -> str:
    _client, raw = client_issue(
        actor=county["admin"], name="测试客户端", rate_per_minute=1000
    )
    return raw
