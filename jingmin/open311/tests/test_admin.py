"""Issuing, revoking and re-keying Open311 clients in the admin."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages

from jingmin.audit.models import AuditEvent
from jingmin.open311.models import Open311Client
from jingmin.open311.services import client_authenticate, key_digest

pytestmark = pytest.mark.django_db


def _key_from(response) -> str:
    shown = [m for m in get_messages(response.wsgi_request) if "API 密钥" in str(m)]
    return str(shown[-1]).rsplit("：", 1)[1]


def test_admin_issues_a_key_shown_once_and_stores_only_its_digest(client_for, county):
    admin = client_for(county["admin"])
    response = admin.post(
        "/admin/open311/open311client/add/",
        {"name": "市民通 App", "contact": "张工 0571-1", "rate_per_minute": 60},
    )
    assert response.status_code == 302
    raw = _key_from(response)
    issued = Open311Client.objects.get(name="市民通 App")
    assert issued.key_digest == key_digest(raw) and raw not in issued.key_digest
    assert client_authenticate(raw) == issued
    assert AuditEvent.objects.filter(action="open311.client_issue").count() == 1


def test_admin_revokes_and_rekeys(client_for, county):
    admin = client_for(county["admin"])
    admin.post("/admin/open311/open311client/add/", {"name": "A", "rate_per_minute": 5})
    issued = Open311Client.objects.get(name="A")
    admin.post(
        "/admin/open311/open311client/",
        {"action": "revoke", "_selected_action": [issued.pk]},
    )
    issued.refresh_from_db()
    assert issued.revoked_at is not None
    response = admin.post(
        "/admin/open311/open311client/",
        {"action": "rekey", "_selected_action": [issued.pk]},
    )
    raw = _key_from(response)
    assert client_authenticate(raw).pk == issued.pk


def test_non_admin_staff_cannot_reach_the_admin(client_for, county):
    response = client_for(county["supervisor"]).get("/admin/open311/open311client/")
    assert response.status_code in (302, 403)
