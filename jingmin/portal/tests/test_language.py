"""The header's language switch is a link (GET) that sets only the display-language
cookie and goes back to a page of this site (docs/decisions/121)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

URL = reverse("portal:language")


def test_switch_sets_the_cookie_and_goes_back():
    client = Client(enforce_csrf_checks=True)
    response = client.get(URL, {"language": "en", "next": "/services/?q=x"})
    assert response.status_code == 302
    assert response["Location"] == "/services/?q=x"
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "en"
    assert "no-cache" in response["Cache-Control"]  # never kept by a proxy
    page = client.get(reverse("portal:home"))
    assert page["Content-Language"] == "en"
    # and back to Chinese
    client.get(URL, {"language": "zh-hans", "next": "/"})
    assert client.get(reverse("portal:home"))["Content-Language"] == "zh-hans"


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "", None],
)
def test_switch_never_sends_the_visitor_elsewhere(next_url):
    data = {"language": "en"} | ({"next": next_url} if next_url is not None else {})
    response = Client().get(URL, data)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"


def test_switch_falls_back_to_a_safe_referer():
    response = Client().get(
        URL, {"language": "en"}, HTTP_REFERER="http://testserver/appeals/track/"
    )
    assert response["Location"] == "http://testserver/appeals/track/"
    response = Client().get(
        URL, {"language": "en"}, HTTP_REFERER="https://evil.example/"
    )
    assert response["Location"] == "/"


@pytest.mark.parametrize("language", ["fr", "", "zh-hans; x=1", "EN"])
def test_unknown_language_sets_nothing(language):
    response = Client().get(URL, {"language": language, "next": "/"})
    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


def test_switch_is_only_a_get():
    assert Client().post(URL, {"language": "en", "next": "/"}).status_code == 405


def test_public_page_offers_the_switch_without_a_csrf_token_or_cookie():
    response = Client().get(reverse("portal:home"))
    html = response.content.decode()
    assert f'action="{URL}" method="get"' in html
    assert 'name="language" value="en"' in html
    assert "csrfmiddlewaretoken" not in html
    assert settings.CSRF_COOKIE_NAME not in response.cookies


def test_djangos_post_switch_still_wants_its_token():
    refused = Client(enforce_csrf_checks=True).post(
        reverse("set_language"), {"language": "en", "next": "/"}
    )
    assert refused.status_code == 403
