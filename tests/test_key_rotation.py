"""Key rotation of the personal-data field encryption (`jingmin core reencrypt`,
ASVS 5.0 11.2 key management; PIPL Art. 51 encryption)."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from jingmin.api.models import WebhookSubscription
from jingmin.audit.models import AuditEvent
from jingmin.audit.verification import verify_chain
from jingmin.core import crypto

OLD = "oLx2iZ6m6O2w9b2ZyFQmS8u8l5o1y3H1qZ8dQm0rXfo="
NEW = "4yVQ3bX2u1Y7Yd0o9zK9l4zv3i5hR3s8d2c1b0a9ZxM="
SECRETS = ["whsec-甲-0001", "whsec-乙-0002", "whsec-丙-0003"]


def raw_secret(pk: int) -> str:
    with connection.cursor() as cur:
        cur.execute("SELECT secret FROM api_webhooksubscription WHERE id = %s", [pk])
        return cur.fetchone()[0]


@pytest.fixture
def subscriptions(county, settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD]
    subs = [
        WebhookSubscription.objects.create(
            department=county.depta, name=f"s{i}", url="https://x.example/h", secret=s
        )
        for i, s in enumerate(SECRETS)
    ]
    # One legacy row written before encryption existed: clear text in the column.
    with connection.cursor() as cur:
        cur.execute(
            "UPDATE api_webhooksubscription SET secret = %s WHERE id = %s",
            ["legacy-clear-secret", subs[2].pk],
        )
    return subs


def test_values_are_stored_encrypted(subscriptions):
    for sub, clear in zip(subscriptions[:2], SECRETS, strict=False):
        stored = raw_secret(sub.pk)
        assert stored.startswith(crypto.PREFIX) and clear not in stored


def test_rotation_moves_every_value_to_the_new_key(subscriptions, settings):
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    with pytest.raises(CommandError, match="3 value"):
        call_command("core_reencrypt", "--check", stdout=StringIO())
    out = StringIO()
    call_command("core_reencrypt", stdout=out)
    assert "api.webhooksubscription: 3 value(s) re-encrypted" in out.getvalue()
    event = AuditEvent.objects.get(action="core.reencrypt")
    assert event.changes["values"]["api.webhooksubscription"] == 3
    assert verify_chain().ok
    check = StringIO()
    call_command("core_reencrypt", "--check", stdout=check)
    assert "OK: every value is on the newest key" in check.getvalue()

    settings.FIELD_ENCRYPTION_KEYS = [NEW]  # the old key is gone
    got = {s.pk: s.secret for s in WebhookSubscription.objects.all()}
    assert got[subscriptions[0].pk] == SECRETS[0]
    assert got[subscriptions[1].pk] == SECRETS[1]
    assert got[subscriptions[2].pk] == "legacy-clear-secret"
    assert raw_secret(subscriptions[2].pk).startswith(crypto.PREFIX)


def test_second_run_changes_nothing(subscriptions, settings):
    settings.FIELD_ENCRYPTION_KEYS = [NEW, OLD]
    call_command("core_reencrypt", stdout=StringIO())
    before = {s.pk: raw_secret(s.pk) for s in subscriptions}
    out = StringIO()
    call_command("core_reencrypt", stdout=out)
    assert "re-encrypted 0 value(s)" in out.getvalue()
    assert {s.pk: raw_secret(s.pk) for s in subscriptions} == before
    assert AuditEvent.objects.filter(action="core.reencrypt").count() == 1


def test_dropping_the_old_key_too_early_is_loud(subscriptions, settings):
    settings.FIELD_ENCRYPTION_KEYS = [NEW]
    with pytest.raises(Exception, match="cannot be decrypted"):
        list(WebhookSubscription.objects.all())
