"""Main journeys of each role in a real browser: the citizen submits (on a phone-
sized screen) and tracks, the officer replies, the leader approves, the citizen
rates; staff log in through the form; the language switch turns the site English."""

from __future__ import annotations

import re

import pytest

from jingmin.accounts.tests.personas import PASSWORD
from jingmin.appeals.models import Appeal
from jingmin.appeals.tests.factories import make_categories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def login(page, username: str) -> None:
    page.goto("/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("button[type=submit].primary")
    page.wait_for_url(re.compile(r"/console/"))


def no_horizontal_scroll(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= window.innerWidth + 1"
    )


def test_citizen_officer_leader_citizen(pages, county):
    cats = make_categories(county)

    # citizen, on a phone
    citizen = pages.new(mobile=True)
    citizen.goto("/appeals/")
    assert no_horizontal_scroll(citizen)
    citizen.select_option("select[name=kind]", "complaint")
    citizen.select_option("select[name=category]", str(cats.order.pk))
    citizen.fill("textarea[name=body]", "幸福小区门口烧烤摊每晚闹到凌晨两点")
    citizen.fill("input[name=phone]", "13700001111")
    for name, value in (("lon", "120.06"), ("lat", "30.04")):  # what the map click sets
        citizen.locator(f"input[name={name}]").evaluate(f"el => el.value = '{value}'")
    citizen.click("form button[type=submit].primary")
    citizen.wait_for_url(re.compile(r"/appeals/submitted/"))
    code = citizen.inner_text(".tracking-code").strip()
    assert re.fullmatch(r"\d{12}-[a-z2-7]{26}", code)
    appeal = Appeal.objects.get()
    assert appeal.unit == county.sta

    # officer of station A: accept and write a reply
    officer = pages.new()
    login(officer, "officer_a")
    officer.goto(f"/appeals/console/{appeal.pk}/")
    officer.click("form[action$='/act/accept/'] button")
    officer.fill(
        "form[action$='/act/reply_submit/'] textarea[name=body]",
        "已约谈摊主，限定营业至22点。",
    )
    officer.click("form[action$='/act/reply_submit/'] button")
    officer.wait_for_load_state()
    assert appeal.replies.count() == 1

    # leader of station A: approve
    leader = pages.new()
    login(leader, "leader_a")
    leader.goto(f"/appeals/console/{appeal.pk}/")
    form = leader.locator("form[action$='/act/reply_approve/']")
    decision = form.locator("[name=decision]")
    if decision.first.evaluate("el => el.tagName") == "SELECT":
        decision.select_option("approve")
    else:
        form.locator("[name=decision][value=approve]").check()
    form.locator("button").click()
    leader.wait_for_load_state()

    # citizen tracks and rates
    citizen.goto("/appeals/track/")
    citizen.fill("input[name=code]", code)
    citizen.click("form button[type=submit].primary")
    assert "已约谈摊主" in citizen.content()
    citizen.check("input[name=resolved][value='1']")
    citizen.locator("input[name=satisfaction]").first.check()
    citizen.click("text=提交评价")
    citizen.wait_for_load_state()
    assert "感谢您的评价" in citizen.content()
    assert no_horizontal_scroll(citizen)
    appeal.refresh_from_db()
    assert appeal.satisfaction


def test_staff_login_wrong_password_then_right(pages, county):
    page = pages.new()
    page.goto("/accounts/login/")
    page.fill("#id_username", "officer_a")
    page.fill("#id_password", "wrong-password-1")
    page.click("button[type=submit].primary")
    assert page.locator(".errors").is_visible()
    login(page, "officer_a")
    assert "officer_a" in page.content()
    page.click("form[action='/accounts/logout/'] button")
    page.wait_for_load_state()
    page.goto("/console/")
    assert "/accounts/login/" in page.url


def test_language_switch_to_english_and_back(pages, db):
    page = pages.new()
    page.goto("/")
    assert page.get_attribute("html", "lang") == "zh-CN"
    page.click("form.lang button[value=en]")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "en"
    page.goto("/appeals/track/")
    assert page.get_attribute("html", "lang") == "en"
    page.click("form.lang button[value=zh-hans]")
    page.wait_for_load_state()
    assert page.get_attribute("html", "lang") == "zh-CN"


def test_public_pages_fit_a_phone(pages, county):
    page = pages.new(mobile=True)
    for url in ("/", "/appeals/", "/appeals/track/", "/appeals/results/", "/services/"):
        page.goto(url)
        assert no_horizontal_scroll(page), url
