import io

import pytest

from jingmin.appeals.models import Category
from jingmin.audit.models import AuditEvent
from jingmin.open311 import demo
from jingmin.open311.services import client_authenticate

pytestmark = pytest.mark.django_db


def test_demo_seed_is_idempotent_and_the_key_works(county):
    Category.objects.create(code="zaoyin", name="噪音扰民")
    demo.seed(out=io.StringIO())
    events = AuditEvent.objects.count()
    questions = Category.objects.get(code="zaoyin").questions
    assert questions == demo.QUESTIONS["zaoyin"]
    demo.seed(out=io.StringIO())
    assert AuditEvent.objects.count() == events
    assert client_authenticate("demo-open311-key").name == demo.DEMO_CLIENT
    assert demo.DEMO_NOTES == [
        "Open311 demo API key: demo-open311-key (base /open311/v2/)"
    ]


def test_demo_keeps_questions_the_appeals_demo_set(county):
    own = [{"code": "x", "label": "X", "datatype": "string", "required": False}]
    Category.objects.create(code="zaoyin", name="噪音扰民", questions=own)
    demo.seed()
    assert Category.objects.get(code="zaoyin").questions == own


def test_demo_lists_no_category_about_vulnerable_people(county):
    """QA: 人员走失 and 网络诈骗 were public services, their requests listed."""
    from jingmin.appeals import demo as appeals_demo
    from jingmin.open311.selectors import services_list

    appeals_demo._categories()
    Category.objects.filter(code="zoushi").update(is_public=True)  # an older seed
    appeals_demo._categories()
    codes = {s["service_code"] for s in services_list()}
    assert "zaoyin" in codes
    assert not codes & {"zoushi", "wangzha", "jiating", "jiuzhu"}
