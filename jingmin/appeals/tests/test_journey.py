"""The newcomer's journey of the issue, through HTTP only: a citizen submits, the
appeal is routed, the officer replies, the leader approves, the citizen rates,
and the dashboard's rates change."""

import pytest
from django.test import Client
from django.urls import reverse

from jingmin.appeals import metrics
from jingmin.appeals.models import Appeal

pytestmark = pytest.mark.django_db


def figures_for(client, unit_name):
    page = client.get(reverse("appeals:dashboard"))
    return {r.label: r for r in page.context["rows"]}.get(unit_name)


def test_submit_route_reply_approve_rate_and_rates_change(county, cats):
    citizen = Client()
    form = citizen.get(reverse("appeals:submit")).context["form"]
    citizen.post(
        reverse("appeals:submit"),
        {
            "kind": "complaint",
            "category": cats.order.pk,
            "body": "幸福小区楼下烧烤摊每晚闹到凌晨两点",
            "phone": "13700001111",
            "lon": "120.06",
            "lat": "30.04",
            "form_token": form["form_token"].value(),
        },
    )
    code = citizen.get(reverse("appeals:submitted")).context["code"]
    status = citizen.post(reverse("appeals:track"), {"code": code})
    assert status.context["view"]["handler"] == county.sta.name
    appeal = Appeal.objects.get()

    officer = Client()
    officer.force_login(county["officer_a"])
    listing = officer.get(reverse("appeals:console_list"))
    assert appeal in list(listing.context["page"])
    detail = officer.get(reverse("appeals:console_detail", args=[appeal.pk]))
    assert "签收" in detail.content.decode()
    officer.post(reverse("appeals:act", args=[appeal.pk, "accept"]))
    officer.post(
        reverse("appeals:act", args=[appeal.pk, "reply_submit"]),
        {"body": "已会同城管部门约谈摊主，限定营业至22点。"},
    )
    # not visible to the citizen before approval
    view = citizen.post(reverse("appeals:track"), {"code": code}).context["view"]
    assert view["reply"] == "" and not view["can_rate"]

    leader = Client()
    leader.force_login(county["leader_a"])
    metrics.metrics_refresh(full=True)
    before = figures_for(leader, county.sta.name)
    assert before.satisfaction_rate is None and before.on_time_rate is None
    reply = appeal.replies.get()
    leader.post(
        reverse("appeals:act", args=[appeal.pk, "reply_approve"]),
        {"reply": reply.pk, "decision": "approve", "body": ""},
    )

    view = citizen.post(reverse("appeals:track"), {"code": code}).context["view"]
    assert "22点" in view["reply"] and view["can_rate"]
    citizen.post(
        reverse("appeals:rate"), {"resolved": "1", "satisfaction": "basically"}
    )
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.CLOSED

    metrics.metrics_refresh()
    after = figures_for(leader, county.sta.name)
    assert after.volume == 1
    assert after.on_time_rate == 1.0
    assert after.resolution_rate == 1.0
    assert after.satisfaction_rate == 0.5  # basically satisfied counts half
    history = [
        s["text"]
        for s in citizen.post(reverse("appeals:track"), {"code": code}).context["view"][
            "history"
        ]
    ]
    assert any("已签收" in t for t in history) and any("22点" in t for t in history)
