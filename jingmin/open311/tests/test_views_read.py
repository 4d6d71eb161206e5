"""GET discovery, services, service definitions and tokens in both formats."""

from __future__ import annotations

import pytest

from .helpers import error_codes, read

pytestmark = pytest.mark.django_db
FORMATS = ["json", "xml"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_discovery_lists_the_v2_endpoint(client, catalogue, fmt):
    response = client.get(f"/open311/discovery.{fmt}")
    assert response.status_code == 200
    doc = read(response)
    assert set(doc) == {"changeset", "contact", "key_service", "endpoints"}
    (endpoint,) = doc["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2/"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert endpoint["changeset"] == doc["changeset"]


def test_changeset_moves_only_when_the_catalogue_changes(client, catalogue):
    from jingmin.open311.models import CatalogueVersion

    read(client.get("/open311/discovery.json"))
    CatalogueVersion.objects.update(changed_at="2000-01-01T00:00:00Z")
    assert (
        read(client.get("/open311/discovery.json"))["changeset"] == "20000101T000000Z"
    )
    catalogue["lost"].name = "失物"
    catalogue["lost"].save()
    later = read(client.get("/open311/discovery.json"))["changeset"]
    assert later > "20000101T000000Z" and len(later) == len("20000101T000000Z")


def test_discovery_page_is_html(client, catalogue):
    response = client.get("/open311/")
    assert response.status_code == 200
    assert "噪音扰民" in response.content.decode()


@pytest.mark.parametrize("fmt", FORMATS)
def test_services_lists_public_leaf_categories_only(client, catalogue, fmt):
    response = client.get(f"/open311/v2/services.{fmt}")
    assert response.status_code == 200
    services = read(response)
    codes = [s["service_code"] for s in services]
    assert codes == ["lost", "noise"]  # not the group, private, confidential, inactive
    lost, noise = services
    assert noise["service_name"] == "噪音扰民"
    assert noise["group"] == "治安秩序"
    assert noise["keywords"] == "噪音,扰民,广场舞"
    assert noise["type"] == "realtime"
    assert noise["metadata"] in (True, "true")
    assert lost["metadata"] in (False, "false")
    assert lost["description"] is None


@pytest.mark.parametrize("fmt", FORMATS)
def test_service_definition_has_every_attribute_field(client, catalogue, fmt):
    for prefix in ("services", "service"):
        response = client.get(f"/open311/v2/{prefix}/noise.{fmt}")
        assert response.status_code == 200
        doc = read(response)
        assert doc["service_code"] == "noise"
        source, times, since, people = doc["attributes"]
        assert source["datatype"] == "singlevaluelist"
        assert str(source["required"]).lower() == "true"
        assert str(source["order"]) == "1"
        assert source["description"] == "噪音来源"
        assert source["values"] == [
            {"key": "dance", "name": "广场舞"},
            {"key": "shop", "name": "商铺外放"},
        ]
        assert times["datatype"] == "multivaluelist"
        assert since["datatype"] == "datetime" and "values" not in since
        assert str(people["order"]) == "4"


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("code", ["nope", "tip", "family", "order"])
def test_unknown_or_unlisted_service_is_404(client, catalogue, fmt, code):
    response = client.get(f"/open311/v2/services/{code}.{fmt}")
    assert response.status_code == 404
    assert error_codes(response) == ["404"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_jurisdiction_is_checked(client, catalogue, fmt, settings):
    settings.OPEN311_JURISDICTION_ID = "heping.gov.cn"
    ok = client.get(f"/open311/v2/services.{fmt}?jurisdiction_id=heping.gov.cn")
    assert ok.status_code == 200
    empty = client.get(f"/open311/v2/services.{fmt}?jurisdiction_id=")
    assert empty.status_code == 200
    wrong = client.get(f"/open311/v2/services.{fmt}?jurisdiction_id=example.org")
    assert wrong.status_code == 404
    assert "jurisdiction_id" in read(wrong)[0]["description"]


@pytest.mark.parametrize("fmt", FORMATS)
def test_unknown_token_is_404(client, catalogue, fmt):
    response = client.get(f"/open311/v2/tokens/abc123.{fmt}")
    assert response.status_code == 404
    assert error_codes(response) == ["404"]


@pytest.mark.parametrize(
    "path", ["/open311/v2/services.html", "/open311/v2/nothing.json"]
)
def test_unknown_suffix_or_resource_is_404_in_xml(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert error_codes(response) == ["404"]


def test_doubled_slash_and_accept_header_are_tolerated(client, catalogue):
    response = client.get("/open311/v2//services.json", HTTP_ACCEPT="text/html")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"


@pytest.mark.parametrize("fmt", FORMATS)
def test_wrong_method_is_a_spec_error(client, catalogue, fmt):
    response = client.delete(f"/open311/v2/services.{fmt}")
    assert response.status_code == 405
    assert response["Allow"] == "GET"
    assert error_codes(response) == ["405"]


def test_openapi_description_is_served(client):
    doc = client.get("/open311/v2/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    assert "/open311/v2/requests.xml" in doc["paths"]
