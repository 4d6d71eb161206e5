"""The issue's "done when" journey in a real browser (Playwright + Debian chromium):
a citizen submits, sees the route, the officer accepts and replies, the leader
approves, the citizen rates, and the supervisor's dashboard shows the new rates."""

from __future__ import annotations

import shutil
import threading

import pytest
from django.test import Client

from jingmin.appeals import metrics
from jingmin.appeals.models import Appeal

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture
def browser(monkeypatch):
    if CHROMIUM is None:
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop; the ORM calls here are synchronous.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture
def server():
    """A server thread for this test only: it closes its database connection when
    it stops, so PostgreSQL can drop the test database afterwards."""
    from django.db import connections
    from django.test.testcases import LiveServerThread, _StaticFilesHandler

    shared = {
        c.alias: c
        for c in connections.all()
        if c.vendor == "sqlite" and c.is_in_memory_db()
    }
    for connection in shared.values():
        connection.inc_thread_sharing()
    thread = LiveServerThread("localhost", _StaticFilesHandler, shared)
    thread.daemon = True
    thread.start()
    thread.is_ready.wait()
    if thread.error:
        raise thread.error
    yield f"http://localhost:{thread.port}"
    thread.terminate()
    for worker in threading.enumerate():  # keep-alive request threads close their
        if "process_request_thread" in worker.name:  # connections on the way out
            worker.join(timeout=10)
    for connection in shared.values():
        connection.dec_thread_sharing()


def page_as(browser, url, user=None):
    context = browser.new_context(locale="zh-CN")
    if user is not None:
        client = Client()
        client.force_login(user)
        context.add_cookies(
            [
                {
                    "name": "sessionid",
                    "value": client.cookies["sessionid"].value,
                    "url": url,
                }
            ]
        )
    return context.new_page()


def test_citizen_officer_leader_citizen_supervisor(server, browser, county, cats):
    url = server
    citizen = page_as(browser, url)
    citizen.goto(f"{url}/appeals/")
    citizen.select_option("#id_kind", "complaint")
    citizen.select_option("#id_category", str(cats.order.pk))
    citizen.fill("#id_body", "幸福小区楼下烧烤摊每晚闹到凌晨两点")
    citizen.fill("#id_phone", "13700001111")
    citizen.eval_on_selector("#id_lon", "el => el.value = '120.06'")
    citizen.eval_on_selector("#id_lat", "el => el.value = '30.04'")
    citizen.click("form.card button[type=submit]")
    code = citizen.inner_text(".tracking-code").strip()
    assert county.sta.name in citizen.content()
    appeal = Appeal.objects.get()
    detail = f"{url}/appeals/console/{appeal.pk}/"

    officer = page_as(browser, url, county["officer_a"])
    officer.goto(detail)
    officer.click("form[action$='/act/accept/'] button[type=submit]")
    officer.fill(
        "form[action$='/act/reply_submit/'] textarea", "已约谈摊主，限定营业至22点。"
    )
    officer.click("form[action$='/act/reply_submit/'] button[type=submit]")

    leader = page_as(browser, url, county["leader_a"])
    leader.goto(detail)
    leader.click("form[action$='/act/reply_approve/'] button[type=submit]")
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.REPLIED

    citizen.goto(f"{url}/appeals/track/")
    citizen.fill("#id_code", code)
    citizen.click("form.card button[type=submit]")
    assert "22点" in citizen.content()
    citizen.check("input[name=resolved][value='1']")
    citizen.check("input[name=satisfaction][value=satisfied]")
    citizen.click("form[action$='/track/rate/'] button[type=submit]")
    assert "感谢您的评价" in citizen.content()

    metrics.metrics_refresh(full=True)
    supervisor = page_as(browser, url, county["supervisor"])
    supervisor.goto(f"{url}/appeals/console/dashboard/")
    row = supervisor.inner_text("table tbody tr:first-child")
    assert county.sta.name in row and "100%" in row
