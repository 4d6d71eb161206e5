"""三权分立 in the admin: the system administrator manages staff accounts but not
the audit administrator's, cannot create one, and every password set is audited."""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from jingmin.accounts.roles import Role
from jingmin.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "Xin-mima-Heping-2026"  # noqa: S105


def _password_post(client, user):
    return client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
            "set_usable_password": "true",
        },
    )


def test_admin_sets_an_officers_password_and_it_is_audited(county, client_for):
    officer = county["officer_a"]
    response = _password_post(client_for(county["admin"]), officer)
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.check_password(NEW_PASSWORD)
    event = AuditEvent.objects.get(action="staff.password_set")
    assert event.object_id == str(officer.pk)
    assert event.actor_label == "admin"
    assert NEW_PASSWORD not in str(event.changes)


def test_a_refused_password_form_writes_nothing(county, client_for):
    officer = county["officer_a"]
    response = client_for(county["admin"]).post(
        reverse("admin:auth_user_password_change", args=[officer.pk]),
        {"password1": "a", "password2": "b", "set_usable_password": "true"},
    )
    assert response.status_code == 200
    assert not AuditEvent.objects.filter(action="staff.password_set").exists()


def test_admin_cannot_touch_the_audit_administrators_account(county, client_for):
    auditor = county["auditor"]
    client = client_for(county["admin"])
    assert _password_post(client, auditor).status_code == 403
    auditor.refresh_from_db()
    assert not auditor.check_password(NEW_PASSWORD)
    change = reverse("admin:accounts_user_change", args=[auditor.pk])
    assert client.post(change, {"username": "x", "role": Role.ADMIN}).status_code == 403
    delete = reverse("admin:accounts_user_delete", args=[auditor.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "delete_selected", "_selected_action": [auditor.pk], "post": "yes"},
    )
    auditor.refresh_from_db()
    assert auditor.role == Role.AUDITOR and auditor.username == "auditor"


def test_admin_cannot_make_anyone_an_audit_administrator(county, client_for):
    officer = county["officer_a"]
    client = client_for(county["admin"])
    page = client.get(reverse("admin:accounts_user_change", args=[officer.pk]))
    assert f'value="{Role.AUDITOR.value}"' not in page.content.decode()
    response = client.post(
        reverse("admin:accounts_user_change", args=[officer.pk]),
        {
            "username": officer.username,
            "role": Role.AUDITOR,
            "display_name": officer.display_name,
            "unit": officer.unit_id,
            "is_active": "on",
        },
    )
    assert response.status_code == 200  # the form refuses the choice
    officer.refresh_from_db()
    assert officer.role == Role.OFFICER


def test_admin_flags_follow_the_role_not_a_checkbox(county, client_for):
    officer = county["officer_a"]
    client = client_for(county["admin"])
    response = client.post(
        reverse("admin:accounts_user_change", args=[officer.pk]),
        {
            "username": officer.username,
            "role": Role.OFFICER,
            "display_name": officer.display_name,
            "unit": officer.unit_id,
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",
        },
    )
    assert response.status_code == 302
    officer.refresh_from_db()
    assert not officer.is_staff and not officer.is_superuser


def test_the_audit_administrators_second_factor_is_out_of_reach(county, client_for):
    mine = TOTPDevice.objects.create(user=county["auditor"], name="手机")
    theirs = TOTPDevice.objects.create(user=county["officer_a"], name="手机")
    client = client_for(county["admin"])
    listing = client.get(reverse("admin:otp_totp_totpdevice_changelist"))
    assert listing.status_code == 200
    ids = {row.pk for row in listing.context["cl"].result_list}
    assert ids == {theirs.pk}
    for name in ["otp_totp_totpdevice_change", "otp_totp_totpdevice_delete"]:
        assert client.get(reverse(f"admin:{name}", args=[mine.pk])).status_code in {
            302,
            403,
            404,
        }
    assert TOTPDevice.objects.filter(pk=mine.pk).exists()
    # The secret never shows after enrolment, not even for an officer's device.
    config = reverse("admin:otp_totp_totpdevice_config", args=[theirs.pk])
    assert client.get(config).status_code == 403
