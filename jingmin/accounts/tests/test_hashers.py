"""Argon2id with OWASP's parameters; older hashes verify and are replaced at log-in."""

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import (
    Argon2PasswordHasher,
    PBKDF2PasswordHasher,
    check_password,
    make_password,
)
from django.urls import reverse

from jingmin.accounts.hashers import OwaspArgon2PasswordHasher
from jingmin.accounts.tests.personas import PASSWORD

OURS = "jingmin.accounts.hashers.OwaspArgon2PasswordHasher"
OWASP = "$argon2id$v=19$m=19456,t=2,p=1$"


@pytest.fixture
def production_hashers(settings):
    """The hashers of settings.py (a suite may have swapped in a fast one)."""
    settings.PASSWORD_HASHERS = [
        OURS,
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


def test_settings_hash_with_owasp_argon2id_first():
    assert django_settings.PASSWORD_HASHERS[0] == OURS
    # one hasher per algorithm: Django's own argon2 hasher later in the list would
    # take over verifying (the last of an algorithm wins) with its parameters
    classes = [h.rsplit(".", 1)[1] for h in django_settings.PASSWORD_HASHERS]
    assert "Argon2PasswordHasher" not in classes


def test_new_hashes_use_owasp_parameters(production_hashers):
    encoded = make_password(PASSWORD)
    assert encoded.startswith("argon2" + OWASP)
    assert check_password(PASSWORD, encoded)
    assert not check_password("wrong-password", encoded)
    assert not OwaspArgon2PasswordHasher().must_update(encoded)
    old = Argon2PasswordHasher().encode(PASSWORD, "somesaltsomesalt")
    assert OwaspArgon2PasswordHasher().must_update(old)  # Django's m=100 MiB, p=8
    assert check_password(PASSWORD, old)


def _with_old_hash(user, hasher) -> str:
    old = hasher.encode(PASSWORD, hasher.salt())
    get_user_model().objects.filter(pk=user.pk).update(password=old)
    return old


@pytest.mark.parametrize(
    "hasher",
    [Argon2PasswordHasher(), PBKDF2PasswordHasher()],
    ids=["django-argon2-m100MiB-p8", "pbkdf2"],
)
def test_old_hash_logs_in_and_is_replaced(county, client, production_hashers, hasher):
    user = county["officer_a"]
    old = _with_old_hash(user, hasher)
    response = client.post(
        reverse("accounts:login"), {"username": "officer_a", "password": PASSWORD}
    )
    assert response.status_code == 302  # logged in with the old hash
    user.refresh_from_db()
    assert user.password != old
    assert user.password.startswith("argon2" + OWASP)
    assert check_password(PASSWORD, user.password)


def test_failed_login_leaves_the_old_hash(county, client, production_hashers):
    user = county["officer_a"]
    old = _with_old_hash(user, Argon2PasswordHasher())
    response = client.post(
        reverse("accounts:login"),
        {"username": "officer_a", "password": "wrong-password"},
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.password == old
