"""Baseline views for bench/bench_http.py: the ceilings real endpoints are measured against.

Mounted under /bench/ by jingmin/urls.py only when JINGMIN_BENCH_VIEWS=1, and
refused outright in production. Both views pass through the whole middleware stack,
so the gap between them and a real endpoint is the endpoint's own work.
"""

from __future__ import annotations

import json
import threading

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.urls import path
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

if settings.PRODUCTION:
    raise ImproperlyConfigured(
        "the benchmark views must never be mounted in production"
    )

TABLE = "bench_insert"
_ready: set[str] = set()
_lock = threading.Lock()


def _ensure_table() -> None:
    """Create the scratch table once per process (the benchmark's database is throwaway)."""
    alias = connection.alias
    if alias in _ready:
        return
    with _lock, connection.cursor() as cursor:
        key = (
            "bigserial PRIMARY KEY"
            if connection.vendor == "postgresql"
            else ("integer PRIMARY KEY AUTOINCREMENT")
        )
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} "  # noqa: S608  (constant identifiers)
            f"(id {key}, created_at timestamp NOT NULL, body text NOT NULL)"
        )
        _ready.add(alias)


@require_GET
def ceiling_read(request: HttpRequest) -> JsonResponse:
    """The read ceiling: a small JSON answer, no database."""
    return JsonResponse({"ok": True, "service": "jingmin"})


@csrf_exempt
@require_POST
def ceiling_write(request: HttpRequest) -> JsonResponse:
    """The write ceiling: parse a JSON body, one durable insert in a transaction."""
    _ensure_table()
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return JsonResponse({"error": "invalid JSON"}, status=400)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {TABLE} (created_at, body) VALUES (%s, %s)",  # noqa: S608
            [timezone.now(), json.dumps(body, ensure_ascii=False)],
        )
    return JsonResponse({"ok": True}, status=201)


urlpatterns = [
    path("read", ceiling_read, name="bench-read"),
    path("write", ceiling_write, name="bench-write"),
]
