import pytest
from rest_framework.test import APIClient

from .factories import IN_A, IN_B, incident, types


@pytest.fixture
def api():
    def as_user(user):
        c = APIClient()
        c.force_authenticate(user)
        return c

    return as_user


def test_incidents_are_scoped(county, api):
    t = types()
    a = incident(t["burglary"], *IN_A, unit=county.sta, address="甲镇人民路18号3单元")
    b = incident(t["burglary"], *IN_B, unit=county.stb)

    def ids(user):
        return {
            r["id"]
            for r in api(county[user])
            .get("/api/v1/hotspots/incidents/")
            .json()["results"]
        }  # noqa: E731

    assert ids("analyst") == {a.pk, b.pk}
    assert ids("officer_a") == {a.pk}
    assert (
        api(county["officer_b"]).get(f"/api/v1/hotspots/incidents/{a.pk}/").status_code
        == 404
    )
    assert (
        api(county["liaison_a"]).get("/api/v1/hotspots/incidents/").status_code == 403
    )
    row = api(county["analyst"]).get(f"/api/v1/hotspots/incidents/{a.pk}/").json()
    assert (
        row["address"] != "甲镇人民路18号3单元"
        and row["type"] == "burglary"
        and row["unit"] == "sta"
    )


def test_record_an_incident(county, api):
    types()
    resp = api(county["officer_a"]).post(
        "/api/v1/hotspots/incidents/",
        {"type": "burglary", "time": "2026-01-05 02:00", "lon": 120.05, "lat": 30.05},
        format="json",
    )
    assert resp.status_code == 201 and resp.json()["unit"] == "sta"
    resp = api(county["officer_a"]).post(
        "/api/v1/hotspots/incidents/",
        {"type": "burglary", "time": "2026-01-05 02:00", "lon": 120.15, "lat": 30.05},
        format="json",
    )
    assert resp.status_code == 403  # another station's area
    resp = api(county["analyst"]).post(
        "/api/v1/hotspots/incidents/",
        {"type": "burglary", "time": "2026-01-05 02:00", "lon": 30.05, "lat": 120.05},
        format="json",
    )
    assert resp.status_code == 400 and "填反" in resp.content.decode()


def test_analyses(county, api, django_capture_on_commit_callbacks):
    t = types()
    for k in range(8):
        incident(t["burglary"], 120.05 + 0.0001 * k, 30.05, unit=county.sta)
    with django_capture_on_commit_callbacks(execute=True):
        resp = api(county["analyst"]).post(
            "/api/v1/hotspots/analyses/",
            {"kind": "hotspot", "params": {"cell": 500}},
            format="json",
        )
    assert resp.status_code == 201
    pk = resp.json()["id"]
    got = api(county["supervisor"]).get(f"/api/v1/hotspots/analyses/{pk}/").json()
    assert got["status"] == "done" and got["result"]["n"] == 8
    assert (
        api(county["officer_a"])
        .post("/api/v1/hotspots/analyses/", {"kind": "hotspot"}, format="json")
        .status_code
        == 403
    )
    assert (
        api(county["officer_a"]).get(f"/api/v1/hotspots/analyses/{pk}/").status_code
        == 404
    )  # county-wide analysis
    with django_capture_on_commit_callbacks(execute=True):
        resp = api(county["analyst"]).post(f"/api/v1/hotspots/analyses/{pk}/rerun/")
    assert resp.status_code == 202
