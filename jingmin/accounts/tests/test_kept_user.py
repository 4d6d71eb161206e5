"""The user of a request kept in a shared cache (ADR 132): no password hash in the
cache, no query for a kept user, and every change of the user (deactivation, role,
password, deletion) is seen by the next request."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jingmin.accounts import backends
from jingmin.accounts.models import User
from jingmin.accounts.roles import Role
from jingmin.accounts.tests.personas import PASSWORD

pytestmark = pytest.mark.django_db
KEPT = "jingmin.accounts.backends.KeptUserBackend"
PAGE = "/appeals/console/dashboard/"


@pytest.fixture
def shared(monkeypatch):
    """The tests' local-memory cache stands for Redis (one process here)."""
    monkeypatch.setattr(backends, "cache_is_shared", lambda: True)


def logged_in(user: User) -> Client:
    client = Client()
    response = client.post(
        reverse("accounts:login"), {"username": user.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    return client


def user_queries(client: Client) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        status = client.get(PAGE).status_code
    sql = [q["sql"] for q in queries.captured_queries]
    return status, [s for s in sql if 'FROM "accounts_user"' in s]


def test_log_in_goes_through_the_kept_backend(county):
    client = logged_in(county["supervisor"])
    assert client.session["_auth_user_backend"] == KEPT


def test_a_kept_user_is_not_read_and_holds_no_password_hash(county, shared):
    sup = county["supervisor"]
    client = logged_in(sup)
    assert client.get(PAGE).status_code == 200  # read once, kept
    status, sql = user_queries(client)
    assert status == 200 and sql == []
    fields, session_hash = cache.get(backends.user_key(sup.pk))
    assert "password" not in fields
    assert sup.password not in repr(fields)
    assert session_hash == sup.get_session_auth_hash()


def test_without_a_shared_cache_the_user_is_read_every_time(county):
    client = logged_in(county["supervisor"])
    client.get(PAGE)
    assert len(user_queries(client)[1]) == 1
    assert cache.get(backends.user_key(county["supervisor"].pk)) is None


@pytest.mark.parametrize("change", ["deactivate", "role", "password", "delete"])
def test_every_change_of_the_user_is_seen_at_once(county, shared, change):
    leader = county["leader_a"]
    client = logged_in(leader)
    assert client.get(PAGE).status_code == 200
    assert client.get(PAGE).status_code == 200  # from the cache
    user = User.objects.get(pk=leader.pk)
    if change == "deactivate":
        user.is_active = False
        user.save()
    elif change == "role":
        user.role = Role.OFFICER  # officers have no dashboard
        user.save()
    elif change == "password":
        user.set_password("another-Pass-2026-x")
        user.save()
    else:
        user.delete()
    after = client.get(PAGE)
    if change == "role":
        assert after.status_code == 403
    else:  # logged out: the session no longer matches a usable user
        assert after.status_code == 302
        assert reverse("accounts:login") in after["Location"]


def test_saving_a_kept_user_keeps_the_password(county, shared):
    sup = county["supervisor"]
    client = logged_in(sup)
    client.get(PAGE)
    kept = backends.KeptUserBackend().get_user(sup.pk)
    assert "password" in kept.get_deferred_fields()
    kept.display_name = "值班长"
    kept.save()
    fresh = User.objects.get(pk=sup.pk)
    assert fresh.display_name == "值班长"
    assert fresh.check_password(PASSWORD)
    # the change was forgotten: the next request reads the row again
    status, sql = user_queries(client)
    assert status == 200 and len(sql) == 1
