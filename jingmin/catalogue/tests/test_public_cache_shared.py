"""Kept pages with a shared (Redis) cache: each process answers from its own copy
for pagecache.LOCAL_SECONDS, sees its own changes at once and other processes'
within that time (docs/decisions/124). Skipped without Redis on 127.0.0.1:6379
(db 7, keys under this test's prefix)."""

from __future__ import annotations

import time

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jingmin.catalogue import selectors, services
from jingmin.portal import context_processors, pagecache

from .factories import content, published
from .test_public_cache import nonce_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared_cache(shared_redis_cache):
    pagecache._local.clear()
    context_processors._local.clear()
    yield shared_redis_cache
    pagecache._local.clear()
    context_processors._local.clear()


def get(url):
    with CaptureQueriesContext(connection) as queries:
        response = Client().get(url)
    assert response.status_code == 200
    return response, len(queries)


def test_kept_page_is_answered_from_this_process_copy(
    shared_cache, county, monkeypatch
):
    published("id-lost", county["admin"])
    url = reverse("catalogue:guide_detail", args=["id-lost"])
    first, cold = get(url)
    assert cold > 0

    def no_round_trip(*args, **kwargs):
        raise AssertionError("the shared cache was asked")

    monkeypatch.setattr(type(shared_cache), "get_many", no_round_trip)
    monkeypatch.setattr(type(shared_cache), "get", no_round_trip)
    second, warm = get(url)
    third, _ = get(url)
    assert warm == 0
    assert "居民身份证挂失补领" in second.content.decode()
    assert len({nonce_of(first), nonce_of(second), nonce_of(third)}) == 3


def test_this_process_sees_its_own_change_at_once(shared_cache, county):
    guide = published("id-lost", county["admin"])
    url = reverse("catalogue:guide_detail", args=["id-lost"])
    get(url)
    services.guide_draft_save(
        guide=guide,
        content=content(name="居民身份证补领（新）", change_summary="改名"),
        actor=county["admin"],
    )
    services.guide_publish(guide=guide, actor=county["admin"])
    page, cold = get(url)
    assert cold > 0 and "居民身份证补领（新）" in page.content.decode()


def test_another_process_change_shows_within_local_seconds(
    shared_cache, county, monkeypatch
):
    monkeypatch.setattr(pagecache, "LOCAL_SECONDS", 0.3)
    published("id-lost", county["admin"])
    url = reverse("catalogue:guide_detail", args=["id-lost"])
    get(url)
    # another process published: it replaced the stamp in the shared cache
    shared_cache.set(selectors.STAMP_KEY, "changed-elsewhere", None)
    assert get(url)[1] == 0  # this process still trusts its copy ...
    time.sleep(0.35)
    _page, queries = get(url)
    assert queries > 0  # ... then reads the new stamp and renders anew
    assert get(url)[1] == 0


def test_expired_shell_is_not_served(shared_cache, county, monkeypatch):
    published("id-lost", county["admin"])
    url = reverse("catalogue:guide_detail", args=["id-lost"])
    get(url)
    later = time.time() + pagecache.DEFAULT_SECONDS + 1
    monkeypatch.setattr(pagecache.time, "time", lambda: later)

    def served_from_shell(*args):
        raise AssertionError("an expired shell was served")

    monkeypatch.setattr(pagecache, "_from_shell", served_from_shell)
    assert "居民身份证挂失补领" in get(url)[0].content.decode()


def test_bureau_name_is_kept_per_process_and_dropped_on_save(shared_cache, county):
    bureau = county.bureau
    assert "测试县公安局" in get(reverse("portal:home"))[0].content.decode()
    bureau.name = "改名县公安局"
    bureau.save()
    assert "改名县公安局" in get(reverse("portal:home"))[0].content.decode()


def test_kept_value_answers_from_this_process_copy(shared_cache):
    """What Open311's list keeps (pagecache.kept_value): this process's copy answers
    without a round trip; a change made here is seen at once."""
    calls = []

    def build():
        calls.append(1)
        return f"v{len(calls)}"

    assert pagecache.kept_value("k", "stamp:t", build, 60) == "v1"
    shared_cache.delete("k")  # gone from Redis: the process's copy still answers
    assert pagecache.kept_value("k", "stamp:t", build, 60) == "v1"
    pagecache.stamp_bump("stamp:t")
    assert pagecache.kept_value("k", "stamp:t", build, 60) == "v2"
