"""Campaigns: created from hot cells or a drawn area, evaluated with a verdict and the numbers."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from jingmin.core.exceptions import DomainError, NotPermitted
from jingmin.hotspots.evaluation import periods
from jingmin.hotspots.models import Campaign, Incident
from jingmin.hotspots.services import CampaignInput, campaign_create, campaign_evaluate

from .factories import types

AREA = {
    "type": "Polygon",
    "coordinates": [
        [
            [120.04, 30.04],
            [120.06, 30.04],
            [120.06, 30.06],
            [120.04, 30.06],
            [120.04, 30.04],
        ]
    ],
}


def at(t, lon, lat, day):
    return Incident(
        type=t,
        lon=lon,
        lat=lat,
        occurred_from=timezone.make_aware(dt.datetime.combine(day, dt.time(10))),
    )


def test_periods():
    p = periods(dt.date(2026, 3, 1), dt.date(2026, 3, 31), dt.date(2026, 5, 15))
    assert p["before"] == (dt.date(2026, 1, 29), dt.date(2026, 2, 28))
    assert p["during"] == (dt.date(2026, 3, 1), dt.date(2026, 3, 31))
    assert p["after"] == (dt.date(2026, 4, 1), dt.date(2026, 5, 1))
    assert (
        periods(dt.date(2026, 3, 1), dt.date(2026, 3, 31), dt.date(2026, 2, 1))[
            "during"
        ]
        is None
    )


def test_evaluation_counts_zones_and_explains_the_result(county):
    t = types()["ebike_theft"]
    start, end = dt.date(2026, 3, 1), dt.date(2026, 3, 31)
    rows = []
    before, during = dt.date(2026, 2, 10), dt.date(2026, 3, 10)
    rows += [at(t, 120.05, 30.05, before) for _ in range(20)] + [
        at(t, 120.05, 30.05, during) for _ in range(5)
    ]
    # buffer: just outside the target (≈ 200 m east), 10 → 8
    rows += [at(t, 120.062, 30.05, before) for _ in range(10)] + [
        at(t, 120.062, 30.05, during) for _ in range(8)
    ]
    # control: the rest of the county, 100 → 100
    rows += [at(t, 120.15, 30.05, before) for _ in range(100)] + [
        at(t, 120.15, 30.05, during) for _ in range(100)
    ]
    Incident.objects.bulk_create(rows)
    c = campaign_create(
        data=CampaignInput(
            name="整治",
            area=AREA,
            starts_on=start,
            ends_on=end,
            actions="巡逻",
            units=[county.sta],
            incident_types=[t],
        ),
        actor=county["analyst"],
    )
    c = campaign_evaluate(
        campaign=c, actor=county["analyst"], today=dt.date(2026, 3, 31)
    )
    ev = c.evaluation
    assert ev["counts"]["target"] == {"before": 20, "during": 5, "after": 0}
    assert ev["counts"]["buffer"] == {"before": 10, "during": 8, "after": 0}
    assert ev["counts"]["control"] == {"before": 100, "during": 100, "after": 0}
    during = ev["comparisons"]["during"]
    # SM = 5/20 − 1 = −0.75; BDM = 8/10 − 1 = −0.2; WDQ = 0.2667 (diffusion)
    assert (
        during["wdq"]["wdq"] == pytest.approx(0.2667, abs=1e-3)
        and during["wdq"]["reading"] == "diffusion"
    )
    assert (
        during["relative_effect"]["ratio"] == 0.25
        and during["relative_effect"]["high"] < 1
    )
    assert "after" not in ev["comparisons"]
    assert (
        "20 → 5" in ev["verdict"]
        and "显著" in ev["verdict"]
        and "WDQ = 0.27" in ev["verdict"]
    )


def test_too_few_incidents_gives_no_verdict(county):
    t = types()["burglary"]
    c = campaign_create(
        data=CampaignInput(
            name="小",
            area=AREA,
            starts_on=dt.date(2026, 3, 1),
            ends_on=dt.date(2026, 3, 31),
            actions="走访",
            units=[county.sta],
            incident_types=[t],
        ),
        actor=county["supervisor"],
    )
    c = campaign_evaluate(campaign=c, actor=None, today=dt.date(2026, 4, 20))
    assert "数据太少" in c.evaluation["verdict"]


def test_campaign_rules(county):
    t = types()["burglary"]
    base = {
        "name": "x",
        "area": AREA,
        "starts_on": dt.date(2026, 3, 1),
        "ends_on": dt.date(2026, 3, 31),
        "actions": "a",
        "units": [county.stb],
        "incident_types": [t],
    }
    with pytest.raises(NotPermitted):
        campaign_create(
            data=CampaignInput(**base), actor=county["leader_a"]
        )  # another station's units
    with pytest.raises(NotPermitted):
        campaign_create(data=CampaignInput(**base), actor=county["officer_b"])
    with pytest.raises(DomainError, match="结束日期"):
        campaign_create(
            data=CampaignInput(**{**base, "ends_on": dt.date(2026, 2, 1)}),
            actor=county["analyst"],
        )
    far = {
        "type": "Polygon",
        "coordinates": [[[100, 10], [101, 10], [101, 11], [100, 10]]],
    }
    with pytest.raises(DomainError, match="本县"):
        campaign_create(
            data=CampaignInput(**{**base, "area": far}), actor=county["analyst"]
        )
    assert (
        campaign_create(
            data=CampaignInput(**base), actor=county["leader_b"]
        ).units.get()
        == county.stb
    )


def test_campaign_from_hot_cells_through_the_console(
    county, client_for, django_capture_on_commit_callbacks
):
    from jingmin.hotspots.services import analysis_create

    from .factories import cluster

    t = types()
    cluster(t["burglary"], 120.05, 30.05, 15, unit=county.sta)
    with django_capture_on_commit_callbacks(execute=True):
        a = analysis_create(
            kind="hotspot", params={"cell": 250}, actor=county["analyst"]
        )
    a.refresh_from_db()
    hot = [c for c in a.result["cells"] if c["class"] == "hot_99"][:2]
    analyst = client_for(county["analyst"])
    form = analyst.get(
        reverse("hotspots:campaign_new"),
        {"analysis": a.pk, "cell": [f"{c['row']},{c['col']}" for c in hot]},
    )
    assert form.status_code == 200
    resp = analyst.post(
        reverse("hotspots:campaign_new"),
        {
            "name": "甲镇入室盗窃整治",
            "units": [county.sta.pk],
            "incident_types": [t["burglary"].pk],
            "starts_on": "2026-03-01",
            "ends_on": "2026-03-31",
            "actions": "夜巡",
            "buffer_m": "400",
            "analysis": a.pk,
            "cells": ";".join(f"{c['row']},{c['col']}" for c in hot),
        },
    )
    campaign = Campaign.objects.get()
    assert resp.status_code == 302 and campaign.source_analysis == a
    assert campaign.area["type"] in ("Polygon", "MultiPolygon")
    detail = reverse("hotspots:campaign_detail", args=[campaign.pk])
    assert client_for(county["officer_a"]).get(detail).status_code == 200
    assert client_for(county["officer_b"]).get(detail).status_code == 404
    assert (
        client_for(county["officer_a"])
        .post(reverse("hotspots:campaign_evaluate", args=[campaign.pk]))
        .status_code
        == 403
    )
    analyst = client_for(
        county["analyst"]
    )  # client_for logs the one test client in again
    assert (
        analyst.post(
            reverse("hotspots:campaign_evaluate", args=[campaign.pk])
        ).status_code
        == 302
    )
    campaign.refresh_from_db()
    assert campaign.evaluation is not None
    assert (
        client_for(county["operator"]).get(reverse("hotspots:campaign_new")).status_code
        == 403
    )
