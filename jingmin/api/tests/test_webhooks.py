"""Webhooks: subscription scoping, HMAC signing, retries with backoff, delivery log.

Deliveries go to a real HTTP server on 127.0.0.1 (an ephemeral port), nothing else.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.core.management import call_command
from django.utils import timezone

from jingmin.accounts.roles import Role
from jingmin.api import webhooks
from jingmin.api.models import WebhookDelivery, WebhookSubscription
from jingmin.appeals.models import Appeal, Category
from jingmin.appeals.services import AppealInput, appeal_submit

pytestmark = pytest.mark.django_db


class Receiver:
    """A local endpoint that fails the first ``failures`` calls with HTTP 500."""

    def __init__(self, failures: int = 0):
        self.failures = failures
        self.calls: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append((dict(self.headers), body))
                failing = len(receiver.calls) <= receiver.failures
                self.send_response(500 if failing else 204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    made: list[Receiver] = []

    def make(failures: int = 0) -> Receiver:
        made.append(Receiver(failures))
        return made[-1]

    yield make
    for r in made:
        r.close()


@pytest.fixture
def building(county):
    return Category.objects.create(
        code="building",
        name="违章搭建",
        is_police_duty=False,
        business_area=county.area_a,
    )


def forwarded_appeal(category) -> Appeal:
    appeal = appeal_submit(
        data=AppealInput(
            kind=Appeal.Kind.COMPLAINT,
            body="邻居违章搭建阳光房",
            name="赵六",
            phone="13700000000",
            category=category,
            lon=120.05,
            lat=30.05,
        )
    ).appeal
    assert appeal.forwarded_to is not None
    return appeal


def subscribe(api, user, url, **extra):
    api.force_authenticate(user)
    response = api.post(
        "/api/v1/webhooks/", {"name": "住建系统", "url": url, **extra}, format="json"
    )
    assert response.status_code == 201, response.content
    return response.json()


def test_signed_event_for_a_forwarded_appeal(api, county, building, receiver):
    hook = receiver()
    created = subscribe(api, county["liaison_a"], hook.url)
    secret = created["secret"]
    assert created["department"] == "depta" and secret.startswith("whsec_")
    appeal = forwarded_appeal(building)
    assert webhooks.webhooks_collect() >= 1
    assert webhooks.webhooks_deliver() >= 1
    headers, body = hook.calls[0]
    assert webhooks.verify(secret, headers["X-Jingmin-Signature"], body)
    assert not webhooks.verify(secret, headers["X-Jingmin-Signature"], body + b" ")
    assert not webhooks.verify("whsec_other", headers["X-Jingmin-Signature"], body)
    event = json.loads(body)
    assert headers["X-Jingmin-Event"] == event["type"]
    assert headers["X-Jingmin-Delivery"] == event["id"]
    assert event["appeal"]["number"] == appeal.number
    assert event["appeal"]["forwarded_to"] == "depta"
    for personal in ("赵六", "13700000000", "阳光房"):
        assert personal not in body.decode()
    delivery = WebhookDelivery.objects.get(event_id=event["id"])
    assert delivery.status == "delivered" and delivery.log.get().response_status == 204
    # once only: a second pass finds nothing new
    before = len(hook.calls)
    assert webhooks.webhooks_collect() == 0 and webhooks.webhooks_deliver() == 0
    assert len(hook.calls) == before


def test_failures_are_retried_with_exponential_backoff_then_given_up(
    api, county, building, receiver
):
    hook = receiver(failures=100)
    subscribe(api, county["liaison_a"], hook.url)
    forwarded_appeal(building)
    webhooks.webhooks_collect()
    delivery = WebhookDelivery.objects.order_by("pk").first()
    WebhookDelivery.objects.exclude(pk=delivery.pk).delete()
    now = timezone.now()
    waits = []
    for _attempt in range(webhooks.MAX_ATTEMPTS):
        assert webhooks.webhooks_deliver(now=now) == 0
        delivery.refresh_from_db()
        if delivery.status == "failed":
            break
        waits.append(delivery.next_attempt_at - now)
        # nothing is sent before the backoff has passed
        assert webhooks.webhooks_deliver(now=now + dt.timedelta(seconds=1)) == 0
        now = delivery.next_attempt_at
    assert delivery.status == "failed"
    assert delivery.attempts == webhooks.MAX_ATTEMPTS
    assert delivery.log.count() == webhooks.MAX_ATTEMPTS
    assert all(a.response_status == 500 for a in delivery.log.all())
    seconds = [round(w.total_seconds()) for w in waits]
    assert seconds[:4] == [30, 60, 120, 240] and seconds == sorted(seconds)


def test_a_retry_lands_after_one_failure(api, county, building, receiver):
    hook = receiver(failures=1)
    subscribe(api, county["liaison_a"], hook.url)
    forwarded_appeal(building)
    webhooks.webhooks_collect()
    WebhookDelivery.objects.exclude(
        pk=WebhookDelivery.objects.order_by("pk").first().pk
    ).delete()
    webhooks.webhooks_deliver()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "pending" and delivery.attempts == 1
    webhooks.webhooks_deliver(now=delivery.next_attempt_at + dt.timedelta(seconds=1))
    delivery.refresh_from_db()
    assert delivery.status == "delivered" and delivery.attempts == 2
    assert [a.response_status for a in delivery.log.all()] == [500, 204]
    first, second = hook.calls
    assert (
        json.loads(first[1])["id"] == json.loads(second[1])["id"]
    )  # same event id: receivers dedupe


def test_unreachable_endpoint_is_logged(api, county, building):
    subscribe(api, county["liaison_a"], "http://127.0.0.1:9/closed")
    forwarded_appeal(building)
    webhooks.webhooks_collect()
    webhooks.webhooks_deliver()
    attempt = WebhookDelivery.objects.order_by("pk").first().log.get()
    assert attempt.response_status is None and attempt.error


def test_other_departments_and_history_are_not_sent(api, county, building, receiver):
    forwarded_appeal(building)  # before anyone subscribed
    hook_b = receiver()
    subscribe(api, county["liaison_b"], hook_b.url)
    hook_a = receiver()
    subscribe(api, county["liaison_a"], hook_a.url)
    webhooks.webhooks_collect()
    webhooks.webhooks_deliver()
    assert hook_a.calls == [] and hook_b.calls == []
    forwarded_appeal(building)
    webhooks.webhooks_collect()
    webhooks.webhooks_deliver()
    assert hook_a.calls and hook_b.calls == []


def test_revoked_subscription_gets_nothing(api, county, building, receiver):
    hook = receiver()
    created = subscribe(api, county["liaison_a"], hook.url)
    assert api.post(f"/api/v1/webhooks/{created['id']}/revoke/").status_code == 200
    forwarded_appeal(building)
    call_command("api_deliver_webhooks")
    assert hook.calls == []


def test_command_collects_and_delivers(api, county, building, receiver, capsys):
    hook = receiver()
    subscribe(api, county["liaison_a"], hook.url)
    forwarded_appeal(building)
    call_command("api_deliver_webhooks")
    assert "delivered" in capsys.readouterr().out
    assert hook.calls


# -- who may subscribe and read the log -----------------------------------------


def test_liaison_sees_only_own_department(api, county, receiver):
    created = subscribe(api, county["liaison_a"], "http://127.0.0.1:9/a")
    api.force_authenticate(county["liaison_b"])
    assert api.get("/api/v1/webhooks/").json()["results"] == []
    assert api.get(f"/api/v1/webhooks/{created['id']}/").status_code == 404
    assert api.get(f"/api/v1/webhooks/{created['id']}/deliveries/").status_code == 404
    assert api.post(f"/api/v1/webhooks/{created['id']}/revoke/").status_code == 404
    other = api.post(
        "/api/v1/webhooks/",
        {"name": "x", "url": "http://127.0.0.1:9/", "department": "depta"},
        format="json",
    )
    assert other.status_code == 403
    api.force_authenticate(county["liaison_a"])
    (row,) = api.get("/api/v1/webhooks/").json()["results"]
    assert "secret" not in row
    assert (
        api.get(f"/api/v1/webhooks/{created['id']}/deliveries/").json()["results"] == []
    )


def test_admin_subscribes_for_any_department_and_sees_all(api, county):
    subscribe(api, county["admin"], "http://127.0.0.1:9/b", department="deptb")
    subscribe(api, county["liaison_a"], "http://127.0.0.1:9/a")
    api.force_authenticate(county["admin"])
    assert len(api.get("/api/v1/webhooks/").json()["results"]) == 2
    missing = api.post(
        "/api/v1/webhooks/", {"name": "x", "url": "http://127.0.0.1:9/"}, format="json"
    )
    assert missing.status_code == 400


@pytest.mark.parametrize(
    "who", ["operator", "officer_a", "leader_a", "supervisor", "analyst", "auditor"]
)
def test_other_roles_cannot_use_webhooks(api, county, who):
    api.force_authenticate(county[who])
    assert api.get("/api/v1/webhooks/").status_code == 403
    response = api.post(
        "/api/v1/webhooks/", {"name": "x", "url": "http://127.0.0.1:9/"}, format="json"
    )
    assert response.status_code == 403


def test_bad_url_is_refused(api, county):
    api.force_authenticate(county["liaison_a"])
    response = api.post(
        "/api/v1/webhooks/", {"name": "x", "url": "ftp://example.cn/"}, format="json"
    )
    assert response.status_code == 400
    assert not WebhookSubscription.objects.exists()


def test_service_account_subscribes_with_its_token(
    api, county, service_account, as_token, receiver
):
    _user, raw = service_account(
        Role.LIAISON, username="svc-zj", department=county.depta
    )
    response = as_token(raw).post(
        "/api/v1/webhooks/", {"name": "住建系统", "url": receiver().url}, format="json"
    )
    assert response.status_code == 201
    assert WebhookSubscription.objects.get().created_by.username == "svc-zj"


def test_events_of_every_chain_are_delivered_once_oldest_first(
    api, county, building, receiver, monkeypatch
):
    """Each audit chain has its own cursor (ADR 140): events written on two chains
    are all delivered, once, in the order they happened."""
    from jingmin.api.models import WebhookCursor
    from jingmin.audit import services
    from jingmin.audit.models import AuditHead

    hook = receiver()
    subscribe(api, county["liaison_a"], hook.url)
    chain = {"id": 1}
    monkeypatch.setattr(
        services,
        "_head",
        lambda: AuditHead.objects.get_or_create(id=chain["id"])[0],
    )
    first = forwarded_appeal(building)
    chain["id"] = 2
    second = forwarded_appeal(building)
    assert webhooks.webhooks_collect() == 4  # submit + forward, twice
    rows = list(
        WebhookDelivery.objects.order_by("pk").values_list(
            "audit_chain", "audit_seq", "payload__appeal__number"
        )
    )
    assert [r[0] for r in rows] == [1, 1, 2, 2]
    assert [str(r[2]) for r in rows] == [first.number] * 2 + [second.number] * 2
    ends = dict(WebhookCursor.objects.values_list("id", "audit_seq"))
    assert ends[1] >= rows[1][1] and ends[2] == rows[3][1]
    assert webhooks.webhooks_collect() == 0
    chain["id"] = 1  # the first chain grows again: only the new event is collected
    forwarded_appeal(building)
    assert webhooks.webhooks_collect() == 2
