import pytest
from django.urls import reverse


def test_home_is_public(db, client):
    response = client.get(reverse("portal:home"))
    assert response.status_code == 200
    assert "紧急" in response.content.decode()


def test_console_requires_login(db, client):
    response = client.get(reverse("portal:console"))
    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


@pytest.mark.parametrize(
    "role",
    [
        "operator",
        "officer_a",
        "leader_a",
        "supervisor",
        "liaison_a",
        "analyst",
        "admin",
        "auditor",
    ],
)
def test_console_for_every_role(county, client_for, role):
    response = client_for(county[role]).get(reverse("portal:console"))
    assert response.status_code == 200
