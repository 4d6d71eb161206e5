import uuid

import pytest
from rest_framework.test import APIClient

from jingmin.appeals.models import Appeal
from jingmin.audit.models import AuditEvent

from .factories import IN_A, IN_B, submit

pytestmark = pytest.mark.django_db

BODY = {
    "kind": "complaint",
    "body": "路口红绿灯坏了",
    "phone": "13800138000",
    "lon": 120.05,
    "lat": 30.05,
    "category": "noise",
}


@pytest.fixture
def api():
    return APIClient()


def staff(county, name):
    c = APIClient()
    c.force_authenticate(county[name])
    return c


def test_anonymous_post_returns_code_route_and_deadlines(api, county, cats):
    r = api.post("/api/v1/appeals", BODY, format="json")
    assert r.status_code == 201, r.content
    data = r.json()
    appeal = Appeal.objects.get()
    assert data["tracking_code"].startswith(appeal.number + "-")
    assert data["route"]["unit"] == county.sta.name
    assert data["deadlines"]["reply_due"] and data["status"] == "assigned"
    assert appeal.source == "api"


def test_category_by_name_and_forward_route(api, county, cats):
    r = api.post("/api/v1/appeals", {**BODY, "category": "工地施工"}, format="json")
    assert r.json()["route"]["department"] == county.depta.name
    assert r.json()["route"]["department_phone"] == county.depta.contact_phone


@pytest.mark.parametrize(
    ("patch", "field"),
    [
        ({"body": ""}, "body"),
        ({"body": "x" * 4001}, "body"),
        ({"kind": "praise"}, "kind"),
        ({"category": "nope"}, "category"),
        ({"phone": ""}, "phone"),
        ({"lon": 500}, "lon"),
    ],
)
def test_bad_input(api, county, cats, patch, field):
    r = api.post("/api/v1/appeals", {**BODY, **patch}, format="json")
    assert r.status_code == 400, r.content
    err = r.json()["error"]
    assert err.get("field") == field or field in (err.get("fields") or {})
    assert Appeal.objects.count() == 0


def test_outside_county_is_accepted_and_flagged(api, county, cats):
    r = api.post("/api/v1/appeals", {**BODY, "lon": 116.4, "lat": 39.9}, format="json")
    assert r.status_code == 201 and r.json()["outside_county"] is True


def test_idempotency_key_replays_and_refuses_a_different_payload(api, county, cats):
    key = str(uuid.uuid4())
    first = api.post("/api/v1/appeals", BODY, format="json", HTTP_IDEMPOTENCY_KEY=key)
    again = api.post("/api/v1/appeals", BODY, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Appeal.objects.count() == 1
    assert AuditEvent.objects.filter(action="appeal.submit").count() == 1
    other = api.post(
        "/api/v1/appeals",
        {**BODY, "body": "别的内容"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert other.status_code == 422
    assert Appeal.objects.count() == 1


def test_failed_create_does_not_burn_the_key(api, county, cats):
    key = str(uuid.uuid4())
    bad = api.post(
        "/api/v1/appeals",
        {**BODY, "phone": "1"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert bad.status_code == 400
    good = api.post(
        "/api/v1/appeals",
        {**BODY, "phone": "1"},
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )
    assert good.status_code == 400  # same payload, still invalid, not a replay
    ok = api.post(
        "/api/v1/appeals", BODY, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4())
    )
    assert ok.status_code == 201


def test_submissions_are_rate_limited_per_client_address(
    api, county, cats, monkeypatch
):
    from jingmin.appeals import apis

    monkeypatch.setattr(apis, "SUBMIT_RATE", "2/h")
    assert api.post("/api/v1/appeals", BODY, format="json").status_code == 201
    assert api.post("/api/v1/appeals", BODY, format="json").status_code == 201
    r = api.post("/api/v1/appeals", BODY, format="json")
    assert r.status_code == 429 and r.json()["error"]["code"] == "rate_limited"
    other = APIClient(REMOTE_ADDR="10.0.0.9")
    assert other.post("/api/v1/appeals", BODY, format="json").status_code == 201


def test_track_by_post_keeps_the_code_out_of_the_url(api, county, cats):
    code = api.post("/api/v1/appeals", BODY, format="json").json()["tracking_code"]
    r = api.post("/api/v1/appeals/track", {"tracking_code": code}, format="json")
    assert r.status_code == 200
    data = r.json()
    assert data["status"] == "assigned" and data["history"]
    assert "13800138000" not in r.content.decode()
    assert data == api.get(f"/api/v1/appeals/track/{code}").json()  # same answer
    number = code.split("-")[0]
    wrong = {"tracking_code": f"{number}-{'b' * 26}"}
    assert api.post("/api/v1/appeals/track", wrong, format="json").status_code == 404
    assert AuditEvent.objects.filter(action="appeal.track_failed").count() == 1
    missing = api.post("/api/v1/appeals/track", {}, format="json")
    assert missing.status_code == 400


def test_track_get_still_works_but_is_deprecated(api, county, cats):
    code = api.post("/api/v1/appeals", BODY, format="json").json()["tracking_code"]
    r = api.get(f"/api/v1/appeals/track/{code}")
    assert r.status_code == 200
    data = r.json()
    assert data["status"] == "assigned" and data["history"]
    assert "13800138000" not in r.content.decode()
    number = code.split("-")[0]
    assert api.get(f"/api/v1/appeals/track/{number}-{'b' * 26}").status_code == 404
    schema = api.get("/api/v1/schema", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    assert paths["/api/v1/appeals/track/{tracking_code}"]["get"]["deprecated"] is True
    assert not paths["/api/v1/appeals/track"]["post"].get("deprecated")


@pytest.mark.parametrize("method", ["post", "get"])
def test_track_is_rate_limited_per_address_either_way(
    api, county, cats, monkeypatch, method
):
    from jingmin.appeals import apis

    monkeypatch.setattr(apis, "TRACK_RATE", "2/m")
    code = api.post("/api/v1/appeals", BODY, format="json").json()["tracking_code"]

    def look():
        if method == "post":
            return api.post(
                "/api/v1/appeals/track", {"tracking_code": code}, format="json"
            )
        return api.get(f"/api/v1/appeals/track/{code}")

    assert [look().status_code for _ in range(3)] == [200, 200, 429]
    other = APIClient(REMOTE_ADDR="10.0.0.9")
    r = other.post("/api/v1/appeals/track", {"tracking_code": code}, format="json")
    assert r.status_code == 200


def test_submit_is_one_transaction_with_the_audit_chain_linked_last(api, county, cats):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from jingmin.audit.models import AuditHead

    AuditHead.objects.get_or_create(id=1)  # as on any database in use
    with CaptureQueriesContext(connection) as q:
        r = api.post(
            "/api/v1/appeals",
            BODY,
            format="json",
            HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()),
        )
    assert r.status_code == 201
    sqls = [x["sql"] for x in q.captured_queries if "SAVEPOINT" not in x["sql"]]
    head = [i for i, s in enumerate(sqls) if "audit_audithead" in s]
    assert len(head) == 2  # one lock, one update, for both events
    tail = sqls[head[0] :]
    assert all("audit_" in s or s in ("COMMIT", "BEGIN") for s in tail), tail
    assert (
        AuditEvent.objects.filter(action__in=["appeal.submit", "appeal.route"]).count()
        == 2
    )
    assert len(sqls) <= 24, sqls  # rate limit, key, classify, route, events, audit


def test_anonymous_and_wrong_roles_cannot_list(api, county, cats):
    submit(cats.order)
    assert api.get("/api/v1/appeals").status_code in (401, 403)
    r = staff(county, "analyst").get("/api/v1/appeals")
    assert r.status_code == 200 and r.json()["results"] == []


def test_staff_list_is_scoped_per_role(county, cats):
    a = submit(cats.order, point=IN_A).appeal
    f = submit(cats.building).appeal

    def ids(who):
        return {
            x["id"] for x in staff(county, who).get("/api/v1/appeals").json()["results"]
        }  # noqa: E731

    assert ids("officer_a") == {a.pk}
    assert ids("officer_b") == set()
    assert ids("liaison_a") == {f.pk}
    assert ids("liaison_b") == set()
    assert ids("supervisor") == {a.pk, f.pk}
    assert ids("operator") == {a.pk, f.pk}
    row = (
        staff(county, "supervisor")
        .get("/api/v1/appeals", {"q": "13800138000"})
        .json()["results"][0]
    )
    assert row["contact"]["phone"] == "138****8000"


def test_detail_and_actions_are_scoped(county, cats):
    a = submit(cats.order, point=IN_A).appeal
    assert staff(county, "officer_b").get(f"/api/v1/appeals/{a.pk}").status_code == 404
    assert (
        staff(county, "liaison_a").post(f"/api/v1/appeals/{a.pk}/accept").status_code
        == 404
    )
    r = staff(county, "officer_a").post(f"/api/v1/appeals/{a.pk}/accept")
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    r = staff(county, "officer_a").post(
        f"/api/v1/appeals/{a.pk}/reply", {"body": "已处理"}
    )
    reply = r.json()["replies"][0]["id"]
    r = staff(county, "officer_a").post(
        f"/api/v1/appeals/{a.pk}/approve", {"reply": reply}
    )
    assert r.status_code == 403
    r = staff(county, "leader_a").post(
        f"/api/v1/appeals/{a.pk}/approve", {"reply": reply}
    )
    assert r.status_code == 200 and r.json()["status"] == "replied"
    r = staff(county, "officer_a").post(f"/api/v1/appeals/{a.pk}/accept")
    assert r.status_code == 409
    r = staff(county, "officer_a").post(f"/api/v1/appeals/{a.pk}/fly")
    assert r.status_code == 404


def test_liaison_objects_then_supervisor_designates_by_api(county, cats):
    f = submit(cats.building).appeal
    r = staff(county, "liaison_a").post(f"/api/v1/appeals/{f.pk}/object", {})
    assert r.status_code == 400 and r.json()["error"]["field"] == "reason"
    r = staff(county, "liaison_a").post(
        f"/api/v1/appeals/{f.pk}/object", {"reason": "非本部门"}
    )
    assert r.status_code == 200 and r.json()["status"] == "triaged"
    r = staff(county, "supervisor").post(
        f"/api/v1/appeals/{f.pk}/designate", {"department": "depta"}
    )
    assert r.json()["designated"] is True
    r = staff(county, "liaison_a").post(
        f"/api/v1/appeals/{f.pk}/object", {"reason": "仍不是"}
    )
    assert r.status_code == 403


def test_contact_reveal_by_api_is_audited(county, cats):
    a = submit(cats.order, point=IN_A).appeal
    r = staff(county, "officer_a").post(f"/api/v1/appeals/{a.pk}/contact")
    assert r.json()["phone"] == "13800138000"
    assert AuditEvent.objects.filter(action="personal_data.read").count() == 1


def test_categories_public_and_staff(api, county, cats):
    public = {c["code"] for c in api.get("/api/v1/appeals/categories").json()}
    assert "noise" in public and "tipoff" not in public
    inner = {
        c["code"]: c
        for c in staff(county, "operator").get("/api/v1/appeals/categories").json()
    }
    assert (
        "tipoff" in inner and inner["construction"]["department"] == county.depta.name
    )


def test_metrics_endpoint_roles(county, cats):
    from jingmin.appeals import metrics

    submit(cats.order, point=IN_A)
    metrics.metrics_refresh(full=True)
    r = staff(county, "analyst").get("/api/v1/appeals/metrics", {"group_by": "unit"})
    assert r.status_code == 200 and r.json()["formula"]["version"] == 1
    assert r.json()["rows"][0]["volume"] == 1
    assert staff(county, "officer_a").get("/api/v1/appeals/metrics").status_code == 403
    assert (
        staff(county, "supervisor")
        .get("/api/v1/appeals/metrics", {"group_by": "x"})
        .status_code
        == 400
    )


def test_metrics_endpoint_gives_a_station_leader_their_unit_only(county, cats):
    from jingmin.appeals import metrics

    submit(cats.order, point=IN_A)
    submit(cats.order, point=IN_B)
    metrics.metrics_refresh(full=True)

    def units(name):
        r = staff(county, name).get("/api/v1/appeals/metrics", {"group_by": "unit"})
        return {row["label"] for row in r.json()["rows"]}

    assert units("supervisor") == {county.sta.name, county.stb.name}
    assert units("leader_a") == {county.sta.name}
    assert units("leader_b") == {county.stb.name}


def test_api_search_by_phone_number_is_audited(county, cats):
    from jingmin.audit.models import AuditEvent

    submit(cats.order, point=IN_A)
    r = staff(county, "supervisor").get("/api/v1/appeals", {"q": "138-0013-8000"})
    assert r.status_code == 200 and len(r.json()["results"]) == 1
    event = AuditEvent.objects.get(action="personal_data.search")
    assert "13800138000" not in str(event.changes)
