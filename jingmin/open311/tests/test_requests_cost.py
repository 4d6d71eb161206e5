"""GET requests stays cheap (docs/decisions/092): a default page, no personal field
loaded or decrypted, a query budget that does not grow with the rows, and kept
answers that follow every change of what they show."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from jingmin.appeals import services
from jingmin.appeals.models import Appeal, Reply
from jingmin.core.crypto import EncryptedTextField
from jingmin.open311 import selectors

from .helpers import read
from .test_requests_read import ids, submit

pytestmark = pytest.mark.django_db
# appeals + replies (prefetch); events too with extensions=true
BUDGET = 2
BUDGET_EXTENSIONS = 3


def queries_of(client, path: str) -> tuple[list, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, response.content
    return read(response), len(queries)


def test_default_page_size(client, catalogue, monkeypatch):
    for _i in range(4):
        submit(catalogue["lost"])
    monkeypatch.setattr(selectors, "DEFAULT_PAGE_SIZE", 3)
    assert len(ids(client.get("/open311/v2/requests.json"))) == 3
    assert len(ids(client.get("/open311/v2/requests.json?page_size=4"))) == 4
    assert len(ids(client.get("/open311/v2/requests.json?page=2"))) == 1


def test_the_default_is_a_page_of_100():
    assert selectors.DEFAULT_PAGE_SIZE == 100
    assert selectors.RequestQuery().page_size == 100


@pytest.mark.parametrize("extensions", [False, True])
def test_budget_does_not_grow_with_the_rows_and_nothing_is_decrypted(
    client, catalogue, county, monkeypatch, extensions
):
    path = "/open311/v2/requests.json" + ("?extensions=true" if extensions else "")
    budget = BUDGET_EXTENSIONS if extensions else BUDGET
    for _i in range(2):
        submit(catalogue["noise"], attributes={"source": "dance"})
    decrypted = []
    original = EncryptedTextField.from_db_value

    def counting(self, value, *args):
        decrypted.append(self.name)
        return original(self, value, *args)

    monkeypatch.setattr(EncryptedTextField, "from_db_value", counting)
    rows, few = queries_of(client, path)
    assert len(rows) == 2 and few <= budget
    appeal = submit(catalogue["lost"], body="又一件")
    Reply.objects.create(appeal=appeal, body="已处理", status=Reply.Status.APPROVED)
    submit(catalogue["noise"], attributes={"source": "shop"})
    decrypted.clear()
    rows, more = queries_of(client, path)
    assert len(rows) == 4 and more == few
    assert decrypted == []


def test_kept_answer_costs_nothing_and_follows_changes(client, catalogue, county):
    appeal = submit(catalogue["lost"], body="丢了伞")
    path = "/open311/v2/requests.json"
    (row,), _ = queries_of(client, path)
    assert row["status"] == "open" and row["status_notes"] is None
    (row,), warm = queries_of(client, path)
    assert warm == 0
    # a reply approved: the kept answer is dropped
    services.appeal_accept(appeal=appeal, actor=county["officer_a"])
    reply = services.reply_submit(
        appeal=appeal, actor=county["officer_a"], body="已在失物处找到"
    )
    services.reply_approve(reply=reply, actor=county["leader_a"])
    (row,), cold = queries_of(client, path)
    assert cold > 0 and row["status_notes"] == "已在失物处找到"
    # a new appeal shows at once
    submit(catalogue["lost"], body="丢了钥匙")
    rows, _ = queries_of(client, path)
    assert len(rows) == 2
    # the category renamed shows at once
    catalogue["lost"].name = "失物认领"
    catalogue["lost"].save()
    rows, _ = queries_of(client, path)
    assert {r["service_name"] for r in rows} == {"失物认领"}


def test_kept_per_format_query_and_language(client, catalogue):
    submit(catalogue["noise"], attributes={"source": "dance"})
    submit(catalogue["lost"])
    assert len(ids(client.get("/open311/v2/requests.json"))) == 2
    assert len(ids(client.get("/open311/v2/requests.json?service_code=lost"))) == 1
    xml = client.get("/open311/v2/requests.xml")
    assert xml["Content-Type"].startswith("text/xml")
    client.cookies["django_language"] = "en"
    (first, *_rest) = read(client.get("/open311/v2/requests.json"))
    assert "小时内签收" not in first["service_notice"]


def test_private_rows_stay_out_of_kept_answers(client, catalogue):
    submit(catalogue["noise"], attributes={"source": "dance"})
    ids(client.get("/open311/v2/requests.json"))
    submit(catalogue["tip"], body="举报某人", kind=Appeal.Kind.REPORT)
    text = client.get("/open311/v2/requests.json").content.decode()
    assert "举报某人" not in text and "王小二" not in text
