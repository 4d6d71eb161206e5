import datetime as dt

from django.core.management import call_command
from django.utils import timezone

from jingmin.audit.models import AuditEvent
from jingmin.mediation import services
from jingmin.mediation.models import Dispute, Notification, Warning
from jingmin.mediation.services import PartyData
from jingmin.mediation.warnings import warnings_recompute

from .helpers import make_appeal, register, session_data


def kinds():
    return sorted(
        Warning.objects.filter(resolved_at__isnull=True).values_list("kind", flat=True)
    )


def test_same_parties_reaching_the_threshold_raise_one_warning(county):
    officer = county["officer_a"]
    register(officer, type=Dispute.Type.DEBT, address="")
    register(officer, type=Dispute.Type.FAMILY, address="")
    assert warnings_recompute()["active"] == 0
    latest = register(officer, type=Dispute.Type.OTHER, address="")
    counts = warnings_recompute()
    w = Warning.objects.get()
    # both parties share the same three disputes: one warning, not one per phone
    assert counts["new"] == 1 and w.kind == "repeat_parties"
    assert w.dispute == latest and w.unit == county.sta
    assert "纠纷3起" in w.reason
    assert Notification.objects.filter(
        recipient=county["leader_a"], text__contains="新预警"
    ).exists()


def test_appeals_from_the_same_phone_count_towards_the_threshold(county):
    officer = county["officer_a"]
    make_appeal(unit=county.sta, phone="13800001111")
    make_appeal(unit=county.sta, phone="13800001111")
    register(officer, address="", parties=[PartyData(name="张三", phone="13800001111")])
    warnings_recompute()
    w = Warning.objects.get()
    assert "诉求2件" in w.reason


def test_old_disputes_outside_the_window_do_not_count(county):
    officer = county["officer_a"]
    old = timezone.now() - dt.timedelta(days=120)
    register(officer, type=Dispute.Type.DEBT, address="", created_at=old)
    register(officer, type=Dispute.Type.FAMILY, address="", created_at=old)
    register(officer, address="")
    warnings_recompute()
    assert kinds() == []


def test_same_address_with_appeals_raises_a_warning(county):
    officer = county["officer_a"]
    register(officer, address="测试县甲镇 人民路 8号", parties=[PartyData(name="甲")])
    register(officer, address="测试县甲镇人民路８号", parties=[PartyData(name="乙")])
    make_appeal(unit=county.sta, address="测试县甲镇人民路8号")
    warnings_recompute()
    assert kinds() == ["repeat_address"]
    assert "诉求1件" in Warning.objects.get().reason


def test_reopened_after_agreement_warns_and_resolves_when_closed(county):
    officer = county["officer_a"]
    d = register(officer, created_at=timezone.now() - dt.timedelta(days=10))
    today = timezone.localdate()
    services.agreement_create(dispute=d, terms="和解", signed_on=today, actor=officer)
    services.dispute_reopen(dispute=d, reason="又吵起来了", actor=officer)
    warnings_recompute()
    assert kinds() == ["reopened"]
    services.agreement_create(
        dispute=d, terms="再次和解", signed_on=today, actor=officer
    )
    for f in d.followups.filter(cancelled=False):
        services.followup_complete(
            followup=f, done_on=today, outcome="stable", notes="", actor=officer
        )
    services.dispute_close(dispute=d, actor=officer)
    counts = warnings_recompute()
    assert counts["resolved"] == 1 and kinds() == []
    assert Warning.objects.get().resolved_at is not None


def test_red_without_session_for_n_days(county, settings):
    officer = county["officer_a"]
    now = timezone.now()
    red = register(
        officer,
        threats_violence=True,
        weapons=True,
        created_at=now - dt.timedelta(days=4),
    )
    register(
        officer,
        threats_violence=True,
        weapons=True,
        type=Dispute.Type.DEBT,
        created_at=now - dt.timedelta(days=1),
    )
    warnings_recompute()
    w = Warning.objects.get()
    assert (w.kind, w.dispute) == ("red_idle", red)
    assert "4天未调解" in w.reason
    services.session_record(
        dispute=red, data=session_data(red, timezone.localdate()), actor=officer
    )
    warnings_recompute()
    assert kinds() == []
    settings.MEDIATION_RED_IDLE_DAYS = 1
    warnings_recompute()
    assert kinds() == ["red_idle"]


def test_recompute_is_idempotent_and_audited(county):
    officer = county["officer_a"]
    for t in (Dispute.Type.DEBT, Dispute.Type.FAMILY, Dispute.Type.OTHER):
        register(officer, type=t, address="")
    first = warnings_recompute()
    second = warnings_recompute()
    assert (first["new"], second["new"], second["updated"]) == (1, 0, 0)
    assert AuditEvent.objects.filter(action="mediation.warnings_recompute").count() == 2


def test_command_prints_counts(county, capsys):
    call_command("mediation_warnings")
    assert "0 active" in capsys.readouterr().out


def test_schedule_runs_the_job_once_under_the_immediate_backend(county, capsys):
    call_command("mediation_schedule")
    assert "enqueued" in capsys.readouterr().out
    assert AuditEvent.objects.filter(action="mediation.warnings_recompute").count() == 1


def test_a_road_name_alone_is_not_the_same_address(county):
    officer = county["officer_a"]
    for name in ("甲", "乙", "丙"):
        register(officer, address="测试县迎宾大道", parties=[PartyData(name=name)])
    warnings_recompute()
    assert kinds() == []
