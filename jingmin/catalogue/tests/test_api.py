import pytest
from rest_framework.test import APIClient

from jingmin.catalogue import selectors, services
from jingmin.catalogue.models import Application

from .factories import content, published

GUIDES = "/api/v1/catalogue/guides/"
APPLICATIONS = "/api/v1/catalogue/applications/"


@pytest.fixture
def api():
    return APIClient()


def test_guides_are_public_and_match_the_open_data_record(api, county):
    guide = published("id-lost", county["admin"])
    services.guide_create(
        code="draft", area="hukou", actor=county["admin"], content=content()
    )
    listing = api.get(GUIDES)
    assert listing.status_code == 200
    assert [g["code"] for g in listing.json()["results"]] == ["id-lost"]
    detail = api.get(GUIDES + "id-lost/")
    assert detail.json() == selectors.guide_record(
        selectors.published_guides().get(pk=guide.pk)
    )
    assert api.get(GUIDES + "draft/").status_code == 404
    assert api.get(GUIDES, {"area": "traffic"}).json()["results"] == []


def test_applications_need_a_recording_role(api, county):
    assert api.get(APPLICATIONS).status_code in (401, 403)
    for role in ("analyst", "liaison_a", "operator"):
        api.force_authenticate(county[role])
        assert api.get(APPLICATIONS).status_code == 403


def test_officer_creates_for_own_unit_and_lists_only_own_unit(api, county):
    published("id-lost", county["admin"])
    body = {
        "guide": "id-lost",
        "received_on": "2026-02-12",
        "completed_on": "2026-02-25",
        "visits": 1,
        "steps": [["制证", 4]],
    }
    api.force_authenticate(county["officer_a"])
    denied = api.post(APPLICATIONS, {**body, "unit": "stb"}, format="json")
    assert denied.status_code == 403
    made = api.post(APPLICATIONS, {**body, "unit": "sta"}, format="json")
    assert made.status_code == 201, made.json()
    assert made.json()["unit"] == "sta"
    bad = api.post(
        APPLICATIONS,
        {**body, "unit": "sta", "completed_on": "2026-02-01"},
        format="json",
    )
    assert bad.status_code == 400
    assert bad.json()["error"]["field"] == "completed_on"
    services.application_record(
        guide=Application.objects.get().guide,
        unit=county.stb,
        received_on=body["received_on"],
        completed_on=None,
        visits=1,
        actor=county["admin"],
    )
    assert [a["unit"] for a in api.get(APPLICATIONS).json()["results"]] == ["sta"]
    api.force_authenticate(county["officer_b"])
    other = Application.objects.get(unit=county.sta)
    assert api.get(f"{APPLICATIONS}{other.pk}/").status_code == 404
    api.force_authenticate(county["supervisor"])
    assert len(api.get(APPLICATIONS).json()["results"]) == 2


def test_schema_documents_the_guide_record(db):
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert "/api/v1/catalogue/guides/{code}/" in schema["paths"]
    guide = schema["components"]["schemas"]["Guide"]["properties"]
    assert {"materials", "time_promise_days", "effective_date"} <= set(guide)
