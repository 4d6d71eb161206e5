import pytest
from django.urls import reverse

from jingmin.accounts.tests.personas import ONE_PER_ROLE


def test_home_is_public(db, client):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    assert "紧急" in response.content.decode()


def test_console_requires_login(db, client):
    response = client.get(reverse("portal:console"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize("role", ONE_PER_ROLE)
def test_console_for_every_role(county, client_for, role):
    response = client_for(county[role]).get(reverse("portal:console"))
    assert response.status_code == 200


def test_chinese_by_default_even_for_english_browsers(db, client):
    response = client.get(reverse("portal:home"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "zh-hans"
    assert (
        'value="en"' in response.content.decode()
        and ">English<" in response.content.decode()
    )


def test_language_switch_to_english(db, client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    response = client.get(reverse("portal:home"))
    assert response["Content-Language"] == "en"
