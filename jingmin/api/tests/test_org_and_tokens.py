"""Units, departments and service tokens over /api/v1/: who may read and write."""

from __future__ import annotations

import pytest

from jingmin.accounts.roles import Role
from jingmin.api.models import ServiceToken
from jingmin.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
STAFF = [
    "operator",
    "officer_a",
    "leader_b",
    "supervisor",
    "liaison_a",
    "analyst",
    "admin",
    "auditor",
]


def results(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


@pytest.mark.parametrize("who", STAFF)
def test_every_staff_role_reads_units_and_departments(api, county, who):
    api.force_authenticate(county[who])
    assert [u["code"] for u in results(api.get("/api/v1/units/"))] == [
        "cmd",
        "stb",
        "sta",
    ]
    detail = api.get("/api/v1/units/sta/").json()
    assert detail["name"] == "甲派出所" and detail["kind"] == "station"
    depts = results(api.get("/api/v1/departments/"))
    assert {d["code"]: d["business_areas"] for d in depts} == {
        "depta": ["urban"],
        "deptb": ["market"],
    }


def test_unit_filters(api, county):
    api.force_authenticate(county["officer_a"])
    assert [u["code"] for u in results(api.get("/api/v1/units/?kind=command"))] == [
        "cmd"
    ]
    county.stb.is_active = False
    county.stb.save()
    assert "stb" not in [
        u["code"] for u in results(api.get("/api/v1/units/?active=true"))
    ]
    assert [u["code"] for u in results(api.get("/api/v1/units/?active=false"))] == [
        "stb"
    ]
    assert api.get("/api/v1/units/nope/").status_code == 404


def test_anonymous_is_refused_with_the_error_body(api, county):
    response = api.get("/api/v1/units/")
    assert response.status_code in (401, 403)
    assert set(response.json()["error"]) >= {"code", "message"}


def test_service_token_authenticates_as_its_account(
    api, county, service_account, as_token
):
    _user, raw = service_account(Role.LIAISON, department=county.depta)
    client = as_token(raw)
    assert results(client.get("/api/v1/departments/"))
    assert ServiceToken.objects.get().last_used_at is not None


def test_revoked_or_unknown_token_is_401(api, county, service_account, as_token):
    _user, raw = service_account(Role.LIAISON, department=county.depta)
    ServiceToken.objects.update(revoked_at="2026-01-01T00:00:00Z")
    response = as_token(raw).get("/api/v1/units/")
    assert response.status_code == 401
    assert "吊销" in response.json()["error"]["message"]
    assert as_token("jm_nothing").get("/api/v1/units/").status_code == 401


def test_admin_issues_lists_and_revokes_tokens(api, county, service_account):
    from jingmin.accounts.tests.personas import make_user

    make_user("svc-zj", Role.LIAISON, is_service_account=True, department=county.depta)
    api.force_authenticate(county["admin"])
    created = api.post(
        "/api/v1/service-tokens/",
        {"username": "svc-zj", "name": "住建系统"},
        format="json",
    )
    assert created.status_code == 201
    raw = created.json()["token"]
    assert raw.startswith("jm_") and created.json()["prefix"] == raw[:8]
    listed = results(api.get("/api/v1/service-tokens/"))
    assert "token" not in listed[0]
    token_id = created.json()["id"]
    assert api.post(f"/api/v1/service-tokens/{token_id}/revoke/").json()["revoked_at"]
    assert {"api.token_issue", "api.token_revoke"} <= set(
        AuditEvent.objects.values_list("action", flat=True)
    )
    api.force_authenticate(None)
    api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
    assert api.get("/api/v1/units/").status_code == 401


def test_tokens_only_for_service_accounts(api, county):
    api.force_authenticate(county["admin"])
    response = api.post(
        "/api/v1/service-tokens/", {"username": "officer_a", "name": "x"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["field"] == "user"
    assert (
        api.post(
            "/api/v1/service-tokens/", {"username": "ghost", "name": "x"}, format="json"
        ).status_code
        == 404
    )


@pytest.mark.parametrize("who", [w for w in STAFF if w != "admin"])
def test_only_admin_manages_tokens(api, county, who):
    api.force_authenticate(county[who])
    assert api.get("/api/v1/service-tokens/").status_code == 403
    assert (
        api.post(
            "/api/v1/service-tokens/", {"username": "x", "name": "y"}, format="json"
        ).status_code
        == 403
    )


def test_admin_issues_a_token_in_the_admin_site(client_for, county):
    from django.contrib.messages import get_messages

    from jingmin.accounts.tests.personas import make_user

    svc = make_user("svc-x", Role.ANALYST, is_service_account=True, unit=county.command)
    response = client_for(county["admin"]).post(
        "/admin/api/servicetoken/add/", {"user": svc.pk, "name": "分析系统"}
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    (shown,) = [
        str(m)
        for m in get_messages(response.wsgi_request)
        if str(m).startswith("接口令牌")
    ]
    raw = shown.rsplit("：", 1)[1]
    assert ServiceToken.objects.get().prefix == raw[:8]
