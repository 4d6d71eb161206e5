"""Categories and appeals for tests, on top of the ``county`` fixture."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from jingmin.accounts.tests.personas import County
from jingmin.appeals.models import Appeal, Category, LimitUnit, Urgency
from jingmin.appeals.services import AppealInput, Submitted, appeal_submit

IN_A = (120.05, 30.05)
IN_B = (120.15, 30.05)
OUTSIDE = (121.5, 31.2)


@dataclass
class Cats:
    order: Category  # police, ordinary
    urgent: Category  # police, urgent
    traffic: Category  # police, specialised default unit
    building: Category  # other department (depta)
    market: Category  # other department (deptb)
    orphan: Category  # non-police without department
    tip: Category  # confidential


def make_categories(county: County) -> Cats:
    police = Category.objects.create(code="police", name="治安管理")
    other = Category.objects.create(code="gov", name="政府事务", is_police_duty=False)
    return Cats(
        order=Category.objects.create(
            parent=police,
            code="noise",
            name="噪音扰民",
            keywords="噪音 吵闹",
            reply_template="您好，关于您反映的噪音问题，",
        ),
        urgent=Category.objects.create(
            parent=police,
            code="danger",
            name="人身安全求助",
            urgency=Urgency.URGENT,
        ),
        traffic=Category.objects.create(
            parent=police,
            code="parking",
            name="违停",
            default_unit=county.command,
            reply_limit=3,
            reply_limit_unit=LimitUnit.WORKING_DAYS,
        ),
        building=Category.objects.create(
            parent=other,
            code="construction",
            name="工地施工",
            is_police_duty=False,
            business_area=county.area_a,
        ),
        market=Category.objects.create(
            parent=other,
            code="food",
            name="食品安全",
            is_police_duty=False,
            business_area=county.area_b,
        ),
        orphan=Category.objects.create(
            parent=other, code="misc", name="其他政务", is_police_duty=False
        ),
        tip=Category.objects.create(
            parent=police,
            code="tipoff",
            name="违法犯罪线索",
            is_confidential=True,
            is_public=False,
        ),
    )


@pytest.fixture
def cats(county) -> Cats:
    return make_categories(county)


def submit(
    category: Category | None = None,
    *,
    point: tuple[float, float] | None = IN_A,
    body: str = "楼下每天夜里有人施工噪音很大",
    kind: str = Appeal.Kind.COMPLAINT,
    phone: str = "13800138000",
    **extra,
) -> Submitted:
    lon, lat = point if point else (None, None)
    return appeal_submit(
        data=AppealInput(
            kind=kind,
            body=body,
            phone=phone,
            lon=lon,
            lat=lat,
            category=category,
            **extra,
        )
    )
