"""The kept public pages of the catalogue (docs/decisions/091): a query budget,
correct per language, a fresh CSP nonce and CSRF token on every answer, dropped
when a guide is published, and never anything of a logged-in visitor."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from jingmin.catalogue import services

from .factories import content, published

pytestmark = pytest.mark.django_db

NONCE = re.compile(r'nonce="([^"]+)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# Queries of a first (unkept) rendering; a kept page answers with none.
GUIDE_BUDGET = 8
LIST_BUDGET = 6


@pytest.fixture
def guide(county):
    return published("id-lost", county["admin"])


def get(client: Client, url: str, **kw):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **kw)
    assert response.status_code == 200
    return response, len(queries)


def nonce_of(response) -> str:
    header = response["Content-Security-Policy"]
    in_header = re.search(r"'nonce-([^']+)'", header).group(1)
    in_body = NONCE.search(response.content.decode()).group(1)
    assert in_header == in_body
    return in_body


def test_guide_page_is_kept_and_answers_without_queries(guide):
    url = reverse("catalogue:guide_detail", args=["id-lost"])
    first, cold = get(Client(), url)
    assert cold <= GUIDE_BUDGET
    second, warm = get(Client(), url)
    assert warm == 0
    assert "居民身份证挂失补领" in second.content.decode()
    assert "测试县公安局" in second.content.decode()  # the footer came along


def test_kept_page_has_its_own_nonce_and_no_csrf_token(guide):
    url = reverse("catalogue:guide_detail", args=["id-lost"])
    first, _ = get(Client(), url)
    visitor = Client(enforce_csrf_checks=True)
    second, warm = get(visitor, url)
    assert warm == 0
    assert nonce_of(first) != nonce_of(second)
    # the language switch is a link (decision 121): no token, no CSRF cookie
    for page in (first, second):
        assert not CSRF.search(page.content.decode())
        assert settings.CSRF_COOKIE_NAME not in page.cookies
    assert f'action="{reverse("portal:language")}" method="get"' in (
        second.content.decode()
    )
    switched = visitor.get(reverse("portal:language"), {"language": "en", "next": url})
    assert switched.status_code == 302 and switched["Location"] == url
    english, _ = get(visitor, url)
    assert english["Content-Language"] == "en"


def test_a_kept_page_with_a_form_still_gets_each_visitors_token(rf):
    """A kept page that carries a CSRF token (none does today) gets this visitor's
    own in place of the one it was rendered with."""
    from django.http import HttpResponse
    from django.middleware.csrf import get_token

    from jingmin.portal.pagecache import cached_page

    def render(request):
        form = (
            f'<form method="post"><input name="csrfmiddlewaretoken" '
            f'value="{get_token(request)}"></form>'
            f'<script nonce="{request.csp_nonce}"></script>'
        )
        return HttpResponse(form)

    def answer():
        request = rf.get("/x")
        request.csp_nonce = request._csp_nonce = f"n{id(request)}"
        response = cached_page(
            request, name="t", key="x", stamp_key="t:stamp",
            render=lambda: render(request),
        )  # fmt: skip
        return request, response.content.decode()

    first_request, first = answer()
    second_request, second = answer()
    tokens = [CSRF.search(page).group(1) for page in (first, second)]
    assert tokens[0] != tokens[1]
    assert f'nonce="{second_request.csp_nonce}"' in second
    assert first_request.csp_nonce not in second
    assert second_request.META["CSRF_COOKIE_NEEDS_UPDATE"]


def test_kept_per_language(guide):
    url = reverse("catalogue:guide_detail", args=["id-lost"])
    zh, _ = get(Client(), url)
    english = Client()
    english.cookies["django_language"] = "en"
    en, _ = get(english, url)
    en_again, warm = get(english, url)
    assert warm == 0
    assert "承诺时限" in zh.content.decode()
    for page in (en, en_again):
        assert "承诺时限" not in page.content.decode()
        assert page["Content-Language"] == "en"
    zh_again, warm = get(Client(), url)
    assert warm == 0 and "承诺时限" in zh_again.content.decode()


def test_publishing_drops_the_kept_pages(guide, county):
    detail = reverse("catalogue:guide_detail", args=["id-lost"])
    listing = reverse("catalogue:guide_list")
    get(Client(), detail)
    get(Client(), listing)
    services.guide_draft_save(
        guide=guide,
        content=content(name="居民身份证补领（新）", change_summary="改名"),
        actor=county["admin"],
    )
    services.guide_publish(guide=guide, actor=county["admin"])
    page, cold = get(Client(), detail)
    assert cold > 0 and "居民身份证补领（新）" in page.content.decode()
    assert "居民身份证补领（新）" in get(Client(), listing)[0].content.decode()


def test_a_department_change_drops_the_kept_page(county):
    guide = published("moved2", county["admin"])
    guide.responsible_department = county.depta
    guide.save()
    url = reverse("catalogue:guide_detail", args=["moved2"])
    assert "0571-80000001" in get(Client(), url)[0].content.decode()
    county.depta.contact_phone = "0571-89999999"
    county.depta.save()
    assert "0571-89999999" in get(Client(), url)[0].content.decode()


def test_logged_in_visitors_get_their_own_page_and_never_leave_it(
    guide, client_for, county
):
    url = reverse("catalogue:guide_detail", args=["id-lost"])
    staff = client_for(county["supervisor"])
    mine = staff.get(url).content.decode()
    assert str(county["supervisor"]) in mine
    anonymous, _ = get(Client(), url)
    again, warm = get(Client(), url)
    for page in (anonymous, again):
        assert str(county["supervisor"]) not in page.content.decode()
        assert "工作人员登录" in page.content.decode()
    assert warm == 0
    # the staff member is not served the anonymous page either
    assert str(county["supervisor"]) in staff.get(url).content.decode()


def test_odd_query_strings_are_rendered_not_kept(guide):
    url = reverse("catalogue:guide_detail", args=["id-lost"])
    get(Client(), url)
    odd, queries = get(Client(), url + "?utm=x")
    assert queries == 0  # the data is kept, the page rendered for this URL
    assert "utm=x" in odd.content.decode()  # the language switch comes back here
    assert "utm=x" not in get(Client(), url)[0].content.decode()


def test_unknown_guide_is_404_and_not_kept(county):
    url = reverse("catalogue:guide_detail", args=["nope"])
    assert Client().get(url).status_code == 404
    assert Client().get(url).status_code == 404


def test_search_is_kept_per_query(county):
    published("id-lost", county["admin"])
    published("passport", county["admin"], area="exit_entry", name="普通护照签发")
    url = reverse("catalogue:guide_list")
    found, cold = get(Client(), url, data={"q": "护照"})
    assert cold <= LIST_BUDGET
    again, warm = get(Client(), url, data={"q": "护照"})
    assert warm == 0
    assert "普通护照签发" in again.content.decode()
    assert "居民身份证挂失补领" not in again.content.decode()
    other, cold = get(Client(), url, data={"q": "量子引力"})
    assert cold > 0 and "普通护照签发" not in other.content.decode()
    assert "没有找到" in other.content.decode()
    everything, _ = get(Client(), url)
    assert "普通护照签发" in everything.content.decode()
    assert get(Client(), url)[1] == 0
