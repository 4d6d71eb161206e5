import pytest

from jingmin.audit.models import AuditEvent

from .helpers import make_appeal, register

LIST = "/api/v1/mediation/disputes/"


@pytest.fixture
def disputes(county):
    a = register(county["officer_a"], threats_violence=True)
    b = register(county["officer_b"], lon=120.15)
    return a, b


def ids(response):
    return {row["id"] for row in response.json()["results"]}


def test_list_is_scoped_to_the_unit(county, client_for, disputes):
    a, b = disputes
    assert ids(client_for(county["officer_a"]).get(LIST)) == {a.pk}
    assert ids(client_for(county["leader_b"]).get(LIST)) == {b.pk}
    assert ids(client_for(county["supervisor"]).get(LIST)) == {a.pk, b.pk}


def test_list_filters(county, client_for, disputes):
    a, _b = disputes
    client = client_for(county["supervisor"])
    assert ids(client.get(LIST, {"level": "orange"})) == {a.pk}
    assert ids(client.get(LIST, {"unit": "stb"})) == {disputes[1].pk}


@pytest.mark.parametrize("role", ["analyst", "liaison_a", "operator"])
def test_roles_without_dispute_work_get_403(county, client_for, disputes, role):
    client = client_for(county[role])
    assert client.get(LIST).status_code == 403
    assert client.get(f"{LIST}{disputes[0].pk}/").status_code == 403


def test_anonymous_is_refused(client, disputes):
    assert client.get(LIST).status_code in (401, 403)


def test_detail_of_another_station_is_404(county, client_for, disputes):
    assert (
        client_for(county["officer_b"]).get(f"{LIST}{disputes[0].pk}/").status_code
        == 404
    )


def test_detail_masks_parties_and_reveal_is_audited(county, client_for, disputes):
    a, _b = disputes
    client = client_for(county["leader_a"])
    data = client.get(f"{LIST}{a.pk}/").json()
    assert data["level"] == "orange"
    assert data["risk_reasons"][0]["code"] == "threats_violence"
    assert {p["name"] for p in data["parties"]} == {"张*", "李*"}
    assert all(p["masked"] for p in data["parties"])
    assert not AuditEvent.objects.filter(action="personal_data.read").exists()
    revealed = client.post(f"{LIST}{a.pk}/parties/").json()
    assert {p["name"] for p in revealed} == {"张三", "李四"}
    assert AuditEvent.objects.filter(
        action="personal_data.read", actor_id=county["leader_a"].pk
    ).exists()


def test_reveal_elsewhere_is_404_and_for_other_roles_403(county, client_for, disputes):
    a, _b = disputes
    assert (
        client_for(county["officer_b"]).post(f"{LIST}{a.pk}/parties/").status_code
        == 404
    )
    assert (
        client_for(county["analyst"]).post(f"{LIST}{a.pk}/parties/").status_code == 403
    )
    assert not AuditEvent.objects.filter(action="personal_data.read").exists()


def test_detail_links_the_appeal(county, client_for):
    from jingmin.mediation.services import dispute_register_from_appeal

    appeal = make_appeal(unit=county.sta, phone="13700003333")
    d = dispute_register_from_appeal(appeal=appeal, actor=county["officer_a"])
    data = client_for(county["officer_a"]).get(f"{LIST}{d.pk}/").json()
    assert data["appeal"] == appeal.number and data["source"] == "appeal"


def test_detail_lists_sessions_and_followups(county, client_for):
    import datetime as dt

    from jingmin.mediation import services

    from .helpers import at, session_data

    officer = county["officer_a"]
    d = register(officer, created_at=at(dt.date(2026, 3, 2)))
    services.session_record(
        dispute=d, data=session_data(d, dt.date(2026, 3, 3)), actor=officer
    )
    services.referral_create(
        dispute=d,
        target="court",
        body="县法院",
        reason="调解不成",
        referred_on=dt.date(2026, 3, 4),
        actor=officer,
    )
    data = client_for(officer).get(f"{LIST}{d.pk}/").json()
    assert data["sessions"][0]["mediator_kinds"] == ["police"]
    assert data["level"] == "yellow"  # the failed session counts
    assert data["followups"][0]["due_on"] == "2026-04-03"
