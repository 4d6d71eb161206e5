"""TOTP enrolment: start, confirm, log in with a code, disable (ASVS 5.0 6.3.3)."""

from __future__ import annotations

import time

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from jingmin.accounts.tests.personas import PASSWORD
from jingmin.audit.models import AuditEvent

SETUP = "/accounts/otp/"
DISABLE = "/accounts/otp/disable/"


def code(device: TOTPDevice, offset_steps: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + offset_steps * device.step
    return f"{totp.token():06d}"


def wrong(device: TOTPDevice) -> str:
    good = {code(device, k) for k in (-1, 0, 1)}
    return next(c for c in ("000000", "111111", "222222", "333333") if c not in good)


@pytest.fixture
def officer(county):
    return county["officer_a"]


@pytest.fixture
def enrolled(officer, client_for):
    client = client_for(officer)
    client.post(SETUP, {"action": "start"})
    device = TOTPDevice.objects.get(user=officer)
    response = client.post(SETUP, {"action": "confirm", "token": code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    return device


def test_urls_are_named():
    assert reverse("accounts:otp_setup") == SETUP
    assert reverse("accounts:otp_disable") == DISABLE


def test_anonymous_is_sent_to_login(db, client):
    response = client.get(SETUP)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert client.post(DISABLE, {"token": "123456"}).status_code == 302


def test_status_page_before_enrolment(officer, client_for):
    response = client_for(officer).get(SETUP)
    assert response.status_code == 200
    assert "开始设置" in response.content.decode()
    assert not TOTPDevice.objects.exists()  # a GET writes nothing


def test_start_shows_secret_as_key_and_otpauth_uri(officer, client_for):
    client = client_for(officer)
    assert client.post(SETUP, {"action": "start"}).status_code == 302
    device = TOTPDevice.objects.get(user=officer)
    assert not device.confirmed
    html = client.get(SETUP).content.decode()
    assert "otpauth://totp/" in html
    secret = device.config_url.split("secret=")[1].split("&")[0]
    assert len(secret) >= 32  # 160-bit key, base32
    assert " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)) in html
    assert AuditEvent.objects.filter(action="account.otp_enrol_start").count() == 1


def test_restart_replaces_the_secret(officer, client_for):
    client = client_for(officer)
    client.post(SETUP, {"action": "start"})
    first = TOTPDevice.objects.get(user=officer).key
    client.post(SETUP, {"action": "start"})
    assert TOTPDevice.objects.get(user=officer).key != first


def test_wrong_or_malformed_code_does_not_confirm(officer, client_for):
    client = client_for(officer)
    client.post(SETUP, {"action": "start"})
    device = TOTPDevice.objects.get(user=officer)
    for token in (wrong(device), "12ab56", ""):
        response = client.post(SETUP, {"action": "confirm", "token": token})
        assert response.status_code == 200
        assert 'class="errors"' in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert not AuditEvent.objects.filter(action="account.otp_enable").exists()


def test_confirm_enables_and_is_audited(enrolled, officer, client_for):
    html = client_for(officer).get(SETUP).content.decode()
    assert (
        "已启用" in html and "otpauth://" not in html
    )  # the secret is never shown again
    event = AuditEvent.objects.get(action="account.otp_enable")
    assert event.actor_id == officer.pk


def test_start_refused_while_enabled(enrolled, officer, client_for):
    client = client_for(officer)
    assert client.post(SETUP, {"action": "start"}).status_code == 302
    assert "已启用双因素认证，如需更换请先停用" in client.get(SETUP).content.decode()
    assert TOTPDevice.objects.filter(user=officer).count() == 1


def test_login_then_needs_a_code(enrolled):
    client = Client()
    data = {"username": "officer_a", "password": PASSWORD}
    assert client.post("/accounts/login/", data).status_code == 200  # no code
    assert "_auth_user_id" not in client.session
    bad = client.post("/accounts/login/", {**data, "otp_token": wrong(enrolled)})
    assert bad.status_code == 200
    assert "_auth_user_id" not in client.session


def test_login_with_a_fresh_code(enrolled):
    client = Client()
    data = {
        "username": "officer_a",
        "password": PASSWORD,
        "otp_token": code(enrolled, 1),
    }
    assert client.post("/accounts/login/", data).status_code == 302
    assert client.session["_auth_user_id"] == str(enrolled.user_id)
    # The same code cannot be replayed by someone who saw it.
    other = Client()
    assert other.post("/accounts/login/", data).status_code == 200
    assert "_auth_user_id" not in other.session


def test_failed_codes_throttle_the_device(enrolled):
    enrolled.verify_token(wrong(enrolled))
    enrolled.refresh_from_db()
    assert enrolled.throttling_failure_count == 1
    assert enrolled.verify_token(code(enrolled, 1)) is False  # refused while throttled


def test_disable_needs_a_current_code(enrolled, officer, client_for):
    client = client_for(officer)
    response = client.post(DISABLE, {"token": wrong(enrolled)})
    assert response.status_code == 400
    assert TOTPDevice.objects.filter(user=officer, confirmed=True).exists()
    enrolled.throttling_failure_count = 0
    enrolled.save()
    response = client.post(DISABLE, {"token": code(enrolled, 1)})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=officer).exists()
    assert AuditEvent.objects.filter(action="account.otp_disable").count() == 1


def test_disable_is_post_only(enrolled, officer, client_for):
    assert client_for(officer).get(DISABLE).status_code == 405
