"""Scoping of the REST API per role, for people and service accounts alike.

The same persona sees the same rows through /api/v1/ as in the console: officers
and leaders their unit, liaisons their department's forwarded appeals, command
roles everything, other roles nothing; an out-of-scope id is a 404, not a 403.
"""

from __future__ import annotations

import pytest

from jingmin.accounts.roles import Role
from jingmin.appeals.models import Appeal, Category
from jingmin.appeals.services import AppealInput, appeal_submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def three(county):
    """An appeal in station A, one in station B, one forwarded to department A."""
    police = Category.objects.create(code="noise", name="噪音扰民")
    building = Category.objects.create(
        code="building",
        name="违章搭建",
        is_police_duty=False,
        business_area=county.area_a,
    )

    def submit(category, lon):
        return appeal_submit(
            data=AppealInput(
                kind=Appeal.Kind.HELP,
                body="测试诉求",
                phone="13800138000",
                category=category,
                lon=lon,
                lat=30.05,
            )
        ).appeal

    a, b, f = submit(police, 120.05), submit(police, 120.15), submit(building, 120.05)
    assert (a.unit, b.unit, f.forwarded_to) == (county.sta, county.stb, county.depta)
    return {"a": a, "b": b, "f": f}


EXPECTED = {
    "officer_a": {"a"},
    "leader_a": {"a"},
    "officer_b": {"b"},
    "leader_b": {"b"},
    "liaison_a": {"f"},
    "liaison_b": set(),
    "supervisor": {"a", "b", "f"},
    "operator": {"a", "b", "f"},
}


def visible_numbers(api) -> set[str]:
    response = api.get("/api/v1/appeals")
    assert response.status_code == 200, response.content
    return {row["number"] for row in response.json()["results"]}


@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_list_and_detail_follow_the_persona_scope(api, county, three, who):
    api.force_authenticate(county[who])
    names = {three[k].number: k for k in three}
    assert {names[n] for n in visible_numbers(api) if n in names} == EXPECTED[who]
    for key, appeal in three.items():
        status = api.get(f"/api/v1/appeals/{appeal.pk}").status_code
        assert status == (200 if key in EXPECTED[who] else 404), (who, key)


@pytest.mark.parametrize("who", ["analyst", "admin", "auditor"])
def test_roles_without_appeal_scope_see_none(api, county, three, who):
    api.force_authenticate(county[who])
    response = api.get("/api/v1/appeals")
    assert response.status_code in (200, 403)
    if response.status_code == 200:
        assert response.json()["results"] == []
    assert api.get(f"/api/v1/appeals/{three['a'].pk}").status_code in (403, 404)


def test_service_accounts_are_scoped_like_their_role(
    api, county, three, service_account, as_token
):
    _u, dept_a = service_account(
        Role.LIAISON, username="svc-a", department=county.depta
    )
    _u, station_b = service_account(Role.OFFICER, username="svc-b", unit=county.stb)
    client = as_token(dept_a)
    assert visible_numbers(client) == {three["f"].number}
    assert client.get(f"/api/v1/appeals/{three['a'].pk}").status_code == 404
    client = as_token(station_b)
    assert visible_numbers(client) == {three["b"].number}
    assert client.get(f"/api/v1/appeals/{three['f'].pk}").status_code == 404


def test_anonymous_gets_no_staff_data(api, three):
    assert api.get("/api/v1/appeals").status_code in (401, 403)
    assert api.get(f"/api/v1/appeals/{three['a'].pk}").status_code in (401, 403)
    assert api.get("/api/v1/units/").status_code in (401, 403)


@pytest.mark.parametrize(
    ("language", "message"), [("zh-hans", "未找到。"), ("en", "Not found.")]
)
def test_a_missing_object_is_not_found_in_the_callers_language(
    county, client_for, language, message
):
    """get_object_or_404's "No Dispute matches the given query." was English only."""
    client = client_for(county["supervisor"])
    client.cookies["django_language"] = language
    response = client.get("/api/v1/mediation/disputes/999999/")
    assert response.status_code == 404
    assert response.json()["error"] == {
        "code": "not_found",
        "message": message,
        "fields": None,
    }
