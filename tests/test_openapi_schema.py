"""The REST schema validates, Open311's description matches a snapshot, and
schemathesis finds no server error in /api/v1/ or /open311/v2/ (in-process WSGI).
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.db import DatabaseError, connection
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings

from jingmin.accounts.roles import Role
from jingmin.accounts.tests.personas import make_user
from jingmin.api.services import token_issue
from jingmin.open311.openapi import schema as open311_schema
from jingmin.open311.services import client_issue

pytestmark = pytest.mark.django_db
SNAPSHOTS = Path(__file__).parent / "snapshots"
EXAMPLES = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "15"))
OWN_PATHS = (
    "/api/v1/units/",
    "/api/v1/departments/",
    "/api/v1/service-tokens/",
    "/api/v1/webhooks/",
)


def _api_schema(client) -> dict:
    response = client.get("/api/v1/schema", {"format": "json"})
    assert response.status_code == 200, response.content[:500]
    return json.loads(response.content)


def _snapshot(name: str, current: dict) -> None:
    """Compare with tests/snapshots/<name>; UPDATE_SNAPSHOTS=1 rewrites it."""
    path = SNAPSHOTS / name
    text = json.dumps(current, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    if os.environ.get("UPDATE_SNAPSHOTS") or not path.exists():
        path.write_text(text, encoding="utf-8")
    assert json.loads(path.read_text(encoding="utf-8")) == json.loads(text), (
        f"{name} changed: review the diff, then run with UPDATE_SNAPSHOTS=1"
    )


def test_rest_schema_validates_and_documents_token_auth(client):
    doc = _api_schema(client)
    validate_schema(doc)
    assert doc["components"]["securitySchemes"]["serviceToken"]["in"] == "header"
    for own in OWN_PATHS:
        assert own in doc["paths"]
    own = {p: v for p, v in doc["paths"].items() if p.startswith(OWN_PATHS)}
    _snapshot("openapi-api-own.json", own)


def test_schema_generation_has_no_warnings(tmp_path):
    """`jingmin spectacular --validate --fail-on-warn` passes; colliding choice
    sets (kind/status/source) get stable names, not hash suffixes (ADR 101)."""
    import re

    from django.core.management import call_command
    from drf_spectacular.drainage import reset_generator_stats

    out = tmp_path / "schema.json"
    reset_generator_stats()  # warnings of earlier generations in this process
    call_command(
        "spectacular",
        "--validate",
        "--fail-on-warn",
        "--format",
        "openapi-json",
        "--file",
        str(out),
    )
    names = set(json.loads(out.read_text(encoding="utf-8"))["components"]["schemas"])
    hashed = {n for n in names if re.search(r"[a-z][0-9A-F][0-9a-f]{2}Enum$", n)}
    assert hashed == set()
    assert {"AnalysisKindEnum", "DisputeStatusEnum", "DisputeSourceEnum"} <= names


def test_docs_pages_use_installed_assets(client, county):
    client.force_login(
        county["admin"], backend="django.contrib.auth.backends.ModelBackend"
    )
    for page in ("/api/v1/docs/", "/api/v1/redoc/"):
        html = client.get(page).content.decode()
        assert "/static/drf_spectacular_sidecar/" in html
        assert "cdn.jsdelivr.net" not in html and "unpkg.com" not in html


def test_open311_description_validates_and_is_stable():
    doc = open311_schema()
    validate_schema(doc)
    _snapshot("openapi-open311.json", doc)


def _fuzz(schema, mutate=None, **call_kwargs) -> list[str]:
    """Every operation, EXAMPLES cases each; returns what answered 5xx."""
    failures: list[str] = []
    with _connection_kept():
        _fuzz_all(schema, failures, mutate, call_kwargs)
    return failures


def _fuzz_all(schema, failures: list[str], mutate, call_kwargs: dict) -> None:
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @hsettings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=not os.environ.get("FUZZ_RANDOM"),
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            if mutate:
                mutate(case)
            try:
                response = case.call(**call_kwargs)
            except Exception as exc:  # the error page itself failed: a real 500
                failures.append(
                    f"{case.as_curl_command()} {case.body!r} raised {exc!r}"
                )
                raise AssertionError(failures[0]) from exc
            if response.status_code >= 500:
                failures.append(f"{response.status_code} {case.as_curl_command()}")
            # A swallowed database error would poison every later request (PostgreSQL).
            with connection.cursor() as cursor:
                try:
                    cursor.execute("SELECT 1")
                except DatabaseError as exc:
                    failures.append(
                        f"{case.as_curl_command()} {case.body!r} left {exc}"
                    )
                    raise AssertionError(failures[0]) from exc

        run()


@pytest.fixture
def wsgi_app():
    return get_wsgi_application()


@contextlib.contextmanager
def _connection_kept():
    """Switch off the per-request connection closing, as Django's test client does,
    so the test's transaction survives each WSGI call (the test client turns it back
    on after each of its own requests, so this wraps the fuzzing itself)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def seeded(county):
    from jingmin.appeals.models import Category
    from jingmin.open311.tests.conftest import NOISE_QUESTIONS

    group = Category.objects.create(code="order", name="治安秩序")
    Category.objects.create(
        parent=group,
        code="noise",
        name="噪音扰民",
        questions=NOISE_QUESTIONS,
        default_unit=county.sta,
    )
    return county


def test_schemathesis_finds_no_server_error_in_rest_api(client, seeded, wsgi_app):
    admin = make_user("svc-admin", Role.ADMIN, is_service_account=True)
    _token, raw = token_issue(actor=None, user=admin, name="fuzz")
    raw_schema = _api_schema(client)
    schema = schemathesis.openapi.from_dict(raw_schema)
    schema.app = wsgi_app
    failures = _fuzz(schema, headers={"Authorization": f"Token {raw}"})
    assert failures == []


def test_schemathesis_finds_no_server_error_in_open311(seeded, wsgi_app):
    _client, key = client_issue(actor=None, name="fuzz", rate_per_minute=1_000_000)
    schema = schemathesis.openapi.from_dict(open311_schema())
    schema.app = wsgi_app

    def with_real_key(case):
        if case.method == "POST" and isinstance(case.body, dict):
            case.body["api_key"] = key
            if len(str(case.body.get("service_code", ""))) % 2 == 0:
                case.body["service_code"] = "noise"

    assert _fuzz(schema, mutate=with_real_key) == []
