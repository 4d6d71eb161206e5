"""Analyses as background jobs, re-runs, and the refusal of bad parameters."""

import pytest

from jingmin.audit.models import AuditEvent
from jingmin.core.exceptions import DomainError, NotPermitted
from jingmin.hotspots.models import Analysis
from jingmin.hotspots.services import analysis_create, analysis_rerun

from .factories import IN_A, IN_B, cluster, incident, types


@pytest.fixture
def data(county):
    t = types()
    cluster(t["ebike_theft"], *IN_A, 30, unit=county.sta)
    for k in range(40):
        incident(
            t["ebike_theft"],
            120.01 + 0.0045 * (k % 20),
            30.01 + 0.04 * (k // 20),
            unit=None,
        )
    cluster(t["burglary"], *IN_B, 6, unit=county.stb)
    return t


def run(kind, params, actor, capture, unit=None):
    with capture(execute=True):
        a = analysis_create(kind=kind, params=params, actor=actor, unit=unit)
    a.refresh_from_db()
    return a


def test_hotspot_analysis_runs_in_the_background_and_finds_the_cluster(
    county, data, django_capture_on_commit_callbacks
):
    a = run(
        "hotspot",
        {"types": ["ebike_theft"], "cell": 250},
        county["analyst"],
        django_capture_on_commit_callbacks,
    )
    assert a.status == "done" and a.progress == 100 and a.runs == 1
    r = a.result
    assert (
        r["n"] == 70
        and r["params"]["cell_size"] == 250.0
        and r["params"]["projection"].startswith("+proj=aeqd")
    )
    densest = max(r["cells"], key=lambda c: c["count"])
    assert densest["count"] >= 30 and densest["class"] == "hot_99"
    assert max(c["z"] for c in r["cells"]) == pytest.approx(densest["z"], rel=0.2)
    assert set(r["cells"][0]) == {"row", "col", "count", "z", "p", "p_fdr", "class"}
    assert len(r["time"]["hour_weekday"]) == 7 and r["h3"]
    assert AuditEvent.objects.filter(
        action="hotspots.analysis_finish", object_id=str(a.pk)
    ).exists()


def test_rerun_counts_runs_and_sees_new_incidents(
    county, data, django_capture_on_commit_callbacks
):
    a = run(
        "hotspot",
        {"types": ["burglary"], "cell": 500},
        county["analyst"],
        django_capture_on_commit_callbacks,
    )
    incident(data["burglary"], *IN_B)
    with django_capture_on_commit_callbacks(execute=True):
        analysis_rerun(analysis=a, actor=county["supervisor"])
    a.refresh_from_db()
    assert a.runs == 2 and a.result["n"] == 7


def test_empty_selection_fails_with_a_clear_message(
    county, data, django_capture_on_commit_callbacks
):
    a = run(
        "hotspot",
        {
            "types": ["burglary"],
            "date_from": "2001-01-01",
            "date_to": "2001-12-31",
            "cell": 250,
        },
        county["analyst"],
        django_capture_on_commit_callbacks,
    )
    assert a.status == "failed" and "没有警情" in a.message and a.result is None


def test_too_small_a_cell_is_refused_with_the_limit(county, data):
    with pytest.raises(DomainError) as err:
        analysis_create(kind="hotspot", params={"cell": 2}, actor=county["analyst"])
    assert err.value.code == "cell_too_small" and "至少用" in str(err.value)
    assert Analysis.objects.count() == 0


def test_bad_parameters(county, data):
    with pytest.raises(DomainError, match="未知的警情类型"):
        analysis_create(
            kind="hotspot", params={"types": ["nope"]}, actor=county["analyst"]
        )
    with pytest.raises(DomainError, match="queen"):
        analysis_create(
            kind="hotspot", params={"neighbourhood": "rook"}, actor=county["analyst"]
        )


def test_only_analysts_and_supervisors_start_analyses(county, data):
    for who in ("officer_a", "leader_a", "operator"):
        with pytest.raises(NotPermitted):
            analysis_create(kind="hotspot", params={}, actor=county[who])


def test_knox_and_forecast(county, data, django_capture_on_commit_callbacks):
    k = run(
        "knox",
        {"space_bands": [50, 100], "time_bands": [7, 14], "permutations": 19},
        county["analyst"],
        django_capture_on_commit_callbacks,
    )
    assert k.status == "done" and k.result["n"] == 76 and len(k.result["observed"]) == 4
    f = run(
        "forecast", {"cell": 250}, county["analyst"], django_capture_on_commit_callbacks
    )
    assert (
        f.status == "failed" and "个月" in f.message
    )  # a month of data cannot test a forecast


def test_an_unexpected_error_marks_the_analysis_failed(
    county, data, django_capture_on_commit_callbacks, monkeypatch
):
    from jingmin.hotspots import runner

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(runner, "hotspot", broken)
    a = run(
        "hotspot", {"cell": 500}, county["analyst"], django_capture_on_commit_callbacks
    )
    assert a.status == "failed" and "RuntimeError" in a.message and a.progress == 100
