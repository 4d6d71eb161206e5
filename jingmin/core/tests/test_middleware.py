"""The project's middleware: the CSP header built once (ADR 122) must say exactly
what django-csp would say, per answer and per settings."""

from __future__ import annotations

import pytest
from csp.exceptions import CSPNonceError
from csp.middleware import CSPMiddleware
from csp.utils import build_policy
from django.http import HttpResponse, JsonResponse
from django.test import RequestFactory, override_settings

from jingmin.core.middleware import PolicyOnceCSPMiddleware

HEADER = "Content-Security-Policy"


def answer(view, path="/page/", middleware_class=PolicyOnceCSPMiddleware):
    request = RequestFactory().get(path)
    middleware = middleware_class(lambda req: view(req))
    return request, middleware(request)


def page_with_script(request):
    return HttpResponse(f'<script src="/s.js" nonce="{request.csp_nonce}"></script>')


def test_page_with_a_nonce_gets_django_csps_policy_with_its_own_nonce():
    first_request, first = answer(page_with_script)
    second_request, second = answer(page_with_script)
    for request, response in ((first_request, first), (second_request, second)):
        nonce = request._csp_nonce
        assert f'nonce="{nonce}"' in response.content.decode()
        assert response[HEADER] == build_policy(nonce=nonce)
        assert f"'nonce-{nonce}'" in response[HEADER]
    assert first_request._csp_nonce != second_request._csp_nonce
    assert first[HEADER] != second[HEADER]


def test_answer_without_a_nonce_gets_the_policy_without_one():
    _request, response = answer(lambda r: JsonResponse({"ok": True}))
    assert response[HEADER] == build_policy()
    assert "nonce-" not in response[HEADER]
    # the same text django-csp itself writes
    _request, theirs = answer(
        lambda r: JsonResponse({"ok": True}), "/page/", CSPMiddleware
    )
    assert response[HEADER] == theirs[HEADER]


def test_a_nonce_asked_for_after_the_header_is_refused():
    request, _response = answer(lambda r: HttpResponse("no script"))
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)


def test_changed_settings_change_the_header():
    _request, before = answer(page_with_script)
    policy = {"DIRECTIVES": {"default-src": ["'none'"], "script-src": ["'self'"]}}
    with override_settings(CONTENT_SECURITY_POLICY=policy):
        _request, during = answer(page_with_script)
    assert set(during[HEADER].split("; ")) == {
        "default-src 'none'",
        "script-src 'self'",
    }
    _request, after = answer(page_with_script)
    assert after[HEADER].split("'nonce-")[0] == before[HEADER].split("'nonce-")[0]


def test_excluded_prefixes_get_no_header():
    _request, response = answer(page_with_script, "/api/v1/docs/")
    assert HEADER not in response


def test_per_view_changes_take_django_csps_own_path():
    def widened(request):
        response = page_with_script(request)
        response._csp_update = {"img-src": ["https://tiles.example"]}
        return response

    request, response = answer(widened)
    assert "https://tiles.example" in response[HEADER]
    assert f"'nonce-{request._csp_nonce}'" in response[HEADER]

    def exempt(request):
        response = HttpResponse("x")
        response._csp_exempt = True
        return response

    assert HEADER not in answer(exempt)[1]


def test_a_header_set_by_the_view_is_kept():
    def own(request):
        response = HttpResponse("x")
        response[HEADER] = "default-src 'none'"
        return response

    assert answer(own)[1][HEADER] == "default-src 'none'"
