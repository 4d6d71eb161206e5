import pytest
from django.urls import reverse

from jingmin.accounts.tests.personas import PASSWORD


def test_login_and_logout(county, client):
    response = client.post(
        reverse("accounts:login"), {"username": "officer_a", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.get(reverse("portal:console")).status_code == 200
    client.post(reverse("accounts:logout"))
    assert client.get(reverse("portal:console")).status_code == 302


def test_wrong_password_does_not_reveal_whether_the_user_exists(county, client):
    known = client.post(
        reverse("accounts:login"),
        {"username": "officer_a", "password": "wrong-password"},
    )
    unknown = client.post(
        reverse("accounts:login"), {"username": "nobody", "password": "wrong-password"}
    )
    assert known.status_code == unknown.status_code == 200
    assert (
        known.context["form"].non_field_errors()
        == unknown.context["form"].non_field_errors()
    )


def test_passwords_are_hashed_with_argon2(county):
    assert county["officer_a"].password.startswith("argon2")


@pytest.mark.parametrize("role", ["officer_a", "analyst", "liaison_a", "operator"])
def test_only_admin_roles_reach_the_admin(county, client_for, role):
    response = client_for(county[role]).get("/admin/")
    assert response.status_code == 302  # Django admin sends non-staff to its login


def test_auditor_reads_the_trail_admin_does_not(county, client_for):
    assert (
        client_for(county["auditor"]).get("/admin/audit/auditevent/").status_code == 200
    )
    assert (
        client_for(county["admin"]).get("/admin/audit/auditevent/").status_code == 403
    )


def test_over_long_user_name_is_a_failed_login_not_an_error(county, client):
    response = client.post(
        reverse("accounts:login"), {"username": "x" * 400, "password": "wrong-password"}
    )
    assert response.status_code == 200


def test_login_page_shows_the_bureau_not_the_host_name(county, client):
    """Django's LoginView puts the host into ``site_name``; the page must not."""
    html = client.get(reverse("accounts:login")).content.decode()
    assert "testserver" not in html
    assert county.bureau.name in html
