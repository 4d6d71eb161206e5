"""Web security controls: headers, strict CSP, cookies, CSRF, login throttling,
password policy, generic error pages (ASVS 5.0 3.4, 6.2, 6.3.8, 7.2.4, 16.5.1)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from jingmin.accounts.tests.personas import PASSWORD

JINGMIN = Path(settings.BASE_DIR)
TEMPLATES = sorted(p for p in JINGMIN.rglob("*.html") if "node_modules" not in p.parts)

# Template source patterns that a strict CSP would block (or that bypass it).
INLINE_SCRIPT = re.compile(
    r"<script\b(?![^>]*\bsrc\s*=)(?![^>]*application/json)[^>]*>", re.I
)
STYLE_ATTR = re.compile(r"<[a-z][^>]*\sstyle\s*=", re.I)
STYLE_BLOCK = re.compile(r"<style\b", re.I)
HANDLER_ATTR = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I)
JS_URL = re.compile(r"""(?:href|src|action)\s*=\s*["']?\s*javascript:""", re.I)
EXTERNAL_ASSET = re.compile(
    r"""<(?:script|link|img|iframe)\b[^>]*(?:src|href)\s*=\s*["']?(?:https?:)?//""",
    re.I,
)
POST_FORM = re.compile(
    r"<form\b[^>]*method\s*=\s*[\"']?post[^>]*>(.*?)</form>", re.I | re.S
)


def template_violations(text: str) -> list[str]:
    found = []
    for name, pattern in [
        ("inline <script> without src", INLINE_SCRIPT),
        ("style= attribute", STYLE_ATTR),
        ("<style> block", STYLE_BLOCK),
        ("on*= event handler", HANDLER_ATTR),
        ("javascript: URL", JS_URL),
        ("asset from another origin", EXTERNAL_ASSET),
    ]:
        for m in pattern.finditer(text):
            line = text.count("\n", 0, m.start()) + 1
            found.append(f"line {line}: {name}: {m.group(0)[:80]!r}")
    for m in POST_FORM.finditer(text):
        if "{% csrf_token %}" not in m.group(1):
            line = text.count("\n", 0, m.start()) + 1
            found.append(f"line {line}: POST form without {{% csrf_token %}}")
    return found


def test_templates_exist_to_scan():
    assert len(TEMPLATES) >= 6


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(JINGMIN)))
def test_template_is_csp_clean(path):
    """Every template of every app: no inline script, inline style or handler (CSP
    would block them anyway, silently), no external asset, CSRF token in POST forms."""
    problems = template_violations(path.read_text(encoding="utf-8"))
    assert not problems, (
        f"{path.relative_to(JINGMIN)} breaks the strict CSP rules; move JS into "
        "static/<app>/*.js (loaded with nonce) and styles into CSS classes:\n  "
        + "\n  ".join(problems)
    )


@pytest.mark.parametrize(
    "snippet",
    [
        "<script>alert(1)</script>",
        '<script type="text/javascript">x()</script>',
        '<div style="color:red">',
        '<a href="#" onclick="go()">',
        '<body onload="x()">',
        "<style>p{}</style>",
        '<a href="javascript:alert(1)">',
        '<script src="https://cdn.example.com/x.js"></script>',
        '<link rel="stylesheet" href="//cdn.example.com/x.css">',
        '<form method="post"><input name="a"></form>',
    ],
)
def test_scanner_catches_each_violation(snippet):
    assert template_violations(snippet)


def test_scanner_accepts_the_house_style():
    ok = (
        '<script src="{% static \'x.js\' %}" nonce="{{ request.csp_nonce }}"></script>'
        '<script type="application/json" id="d">{}</script>'
        '<form method="post">{% csrf_token %}<button class="primary">x</button></form>'
        '<p class="muted">a</p>'
    )
    assert template_violations(ok) == []


def csp(response) -> dict[str, list[str]]:
    header = response.headers["Content-Security-Policy"]
    return {
        part.split()[0]: part.split()[1:]
        for part in (p.strip() for p in header.split(";"))
        if part
    }


@pytest.mark.django_db
@pytest.mark.parametrize("url", ["/", "/accounts/login/", "/does-not-exist/"])
def test_security_headers_on_pages(client, url):
    response = client.get(url)
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    policy = csp(response)
    for directive in ("default-src", "script-src", "style-src"):
        assert "'unsafe-inline'" not in policy[directive]
        assert "'unsafe-eval'" not in policy[directive]
        assert "*" not in policy[directive]
    assert policy["default-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["base-uri"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"]
    nonces = [s for s in policy["script-src"] if s.startswith("'nonce-")]
    assert len(nonces) == 1


@pytest.mark.django_db
def test_every_rendered_script_carries_the_response_nonce(client):
    first, second = client.get("/"), client.get("/")
    nonce = next(s for s in csp(first)["script-src"] if s.startswith("'nonce-"))[7:-1]
    assert len(nonce) >= 16
    scripts = re.findall(r"<script\b[^>]*>", first.content.decode())
    assert scripts
    for tag in scripts:
        assert f'nonce="{nonce}"' in tag and "src=" in tag
    assert csp(second)["script-src"] != csp(first)["script-src"]  # fresh per response


@pytest.mark.django_db
def test_csp_exemption_is_only_the_api_docs():
    assert settings.CONTENT_SECURITY_POLICY["EXCLUDE_URL_PREFIXES"] == [
        "/api/v1/docs",
        "/api/v1/redoc",
    ]


@pytest.mark.django_db
def test_session_cookie_flags_and_rotation_at_login(county):
    client = Client()
    client.get("/accounts/login/")
    client.session.save()
    before = client.session.session_key
    response = client.post(
        "/accounts/login/", {"username": "officer_a", "password": PASSWORD}
    )
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie.value and cookie.value != before  # ASVS 5.0 7.2.4: new session id
    csrf = client.cookies[settings.CSRF_COOKIE_NAME]
    assert csrf["httponly"] is True and csrf["samesite"] == "Lax"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url,data",
    [
        ("/accounts/login/", {"username": "officer_a", "password": PASSWORD}),
        ("/accounts/logout/", {}),
        ("/i18n/setlang/", {"language": "en", "next": "/"}),
    ],
)
def test_posts_without_csrf_token_are_refused(county, url, data):
    client = Client(enforce_csrf_checks=True)
    client.force_login(
        county["officer_a"], backend="django.contrib.auth.backends.ModelBackend"
    )
    response = client.post(url, data)
    assert response.status_code == 403


@pytest.mark.django_db
def test_post_with_csrf_token_is_accepted(county):
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(
        "/accounts/login/",
        {"username": "officer_a", "password": PASSWORD, "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302


@pytest.mark.django_db
def test_logout_by_get_is_not_allowed(county, client_for):
    client = client_for(county["officer_a"])
    assert client.get("/accounts/logout/").status_code == 405
    assert client.get(reverse("portal:console")).status_code == 200


def login(
    client: Client, username: str, password: str, ip: str = "10.1.1.1", **headers
):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=ip,
        **headers,
    )


def error_text(response) -> str:
    html = response.content.decode()
    m = re.search(r'<div class="errors"[^>]*>(.*?)</div>', html, re.S)
    return m.group(1) if m else ""


@pytest.mark.django_db
def test_no_user_enumeration_in_login_errors(county):
    client = Client()
    county["officer_b"].is_active = False
    county["officer_b"].save()
    unknown = login(client, "nobody-here", "wrong-password-1")
    wrong = login(client, "officer_a", "wrong-password-1", ip="10.1.1.2")
    inactive = login(client, "officer_b", PASSWORD, ip="10.1.1.3")
    assert unknown.status_code == wrong.status_code == inactive.status_code == 200
    assert error_text(unknown)
    assert error_text(unknown) == error_text(wrong) == error_text(inactive)


@pytest.mark.django_db
@pytest.mark.parametrize("username", ["officer_a", "nobody-here"])
def test_lockout_after_five_failures(county, username):
    """Known and unknown names lock the same way, so the lockout reveals nothing."""
    client = Client()
    assert settings.AXES_FAILURE_LIMIT == 5
    for _ in range(4):
        assert login(client, username, "wrong-password-1").status_code == 200
    locked = login(client, username, "wrong-password-1")
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.content.decode()
    # Even the right password is refused while locked ...
    assert login(client, username, PASSWORD).status_code == 429
    # ... and a forged X-Forwarded-For does not make a new client (ASVS 5.0 4.1.3).
    spoofed = login(client, username, PASSWORD, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert spoofed.status_code == 429
    # Another address is not locked out by someone else's failures.
    if username == "officer_a":
        assert login(Client(), username, PASSWORD, ip="10.9.9.9").status_code == 302


@pytest.mark.django_db
def test_success_resets_the_failure_count(county):
    client = Client()
    for _ in range(4):
        login(client, "officer_a", "wrong-password-1")
    assert login(client, "officer_a", PASSWORD).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(4):
        assert login(client, "officer_a", "wrong-password-1").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    "password,reason",
    [
        ("short1A!", "too short"),
        ("password123", "common"),
        ("1234567890123", "numeric"),
        ("officer_a_2026", "similar to the username"),
        ("qwertyuiop", "common"),
    ],
)
def test_password_policy_rejects(county, password, reason):
    with pytest.raises(ValidationError):
        validate_password(password, user=county["officer_a"])


@pytest.mark.django_db
def test_password_policy_accepts_a_long_passphrase(county):
    validate_password("湖畔 晨跑 路灯 2026 heping", user=county["officer_a"])


@pytest.mark.django_db
def test_error_pages_are_generic(client):
    response = client.get("/no/such/page/<script>alert(1)</script>")
    assert response.status_code == 404
    body = response.content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "Traceback" not in body and "urlpatterns" not in body
    assert not settings.DEBUG
