from decimal import Decimal

import pytest

from jingmin.mediation import services
from jingmin.mediation.grading import grade
from jingmin.mediation.models import Dispute, Party, RiskFactor, RiskLevel
from jingmin.mediation.services import PartyData

from .helpers import PHONE_A, make_appeal, register


def codes(dispute):
    return {r["code"] for r in dispute.risk_reasons}


def test_plain_dispute_is_blue_with_no_reasons(county):
    d = register(county["officer_a"])
    assert (d.level, d.risk_score, d.risk_reasons) == ("blue", 0, [])


def test_threats_and_weapons_make_red_with_reasons_shown(county):
    d = register(county["officer_a"], threats_violence=True, weapons=True)
    assert d.level == "red"
    assert d.risk_score == 90
    assert codes(d) == {"threats_violence", "weapons"}
    assert all(r["text"] for r in d.risk_reasons)


def test_threats_alone_is_orange(county):
    assert register(county["officer_a"], threats_violence=True).level == "orange"


@pytest.mark.parametrize(
    ("amount", "people", "expected"),
    [
        (Decimal("49999"), 2, set()),
        (Decimal("50000"), 2, {"large_sum"}),
        (None, 5, {"many_people"}),
        (Decimal("80000"), 8, {"large_sum", "many_people"}),
    ],
)
def test_amount_and_people_thresholds(county, amount, people, expected):
    d = register(county["officer_a"], amount=amount, people_count=people)
    assert codes(d) == expected


def test_minor_party_counts_as_vulnerable(county):
    d = register(
        county["officer_a"],
        parties=[
            PartyData(name="小明", is_minor=True),
            PartyData(name="李四", side="b"),
        ],
    )
    assert codes(d) == {"vulnerable"}
    assert "未成年" in d.risk_reasons[0]["text"]


def test_prior_violent_flag_requires_reason_and_regrades(county):
    officer = county["officer_a"]
    d = register(officer, threats_violence=True)
    party = d.parties.first()
    with pytest.raises(services.DomainError, match="依据"):
        services.party_flag_violent(party=party, flag=True, reason="", actor=officer)
    services.party_flag_violent(
        party=party, flag=True, reason="2024年因殴打他人被拘留", actor=officer
    )
    d.refresh_from_db()
    assert "prior_violent" in codes(d)
    assert d.level == "red"  # 40 + 30


def test_repeat_calls_count_other_disputes_and_appeals_of_the_same_phone(county):
    officer = county["officer_a"]
    register(officer, type=Dispute.Type.DEBT)
    make_appeal(unit=county.sta, phone=PHONE_A)
    d = register(officer)
    assert "repeat_calls" in codes(d)
    assert "另有2起" in next(
        r["text"] for r in d.risk_reasons if r["code"] == "repeat_calls"
    )


def test_one_earlier_contact_is_below_the_repeat_threshold(county):
    register(county["officer_a"], type=Dispute.Type.DEBT)
    assert "repeat_calls" not in codes(register(county["officer_a"]))


def test_mediator_report_is_at_least_orange(county):
    d = register(
        county["officer_a"],
        source=Dispute.Source.MEDIATOR_REPORT,
        reporter="甲村调委会",
    )
    assert d.level == "orange"
    assert "mediator_report" in codes(d)


def test_mediator_report_keeps_a_higher_level(county):
    d = register(
        county["officer_a"],
        source=Dispute.Source.MEDIATOR_REPORT,
        reporter="甲村调委会",
        threats_violence=True,
        weapons=True,
    )
    assert d.level == "red"


def test_weights_and_levels_are_configurable(county):
    RiskFactor.objects.filter(code="many_people").update(weight=70, param=3)
    d = register(county["officer_a"], people_count=3)
    assert d.level == "red"
    RiskFactor.objects.filter(code="many_people").update(is_active=False)
    assert grade(d).level == "blue"


def test_a_bureau_may_use_three_levels(county):
    RiskLevel.objects.filter(code="orange").delete()
    d = register(county["officer_a"], threats_violence=True)
    assert d.level == "yellow"


def test_failed_session_adds_previous_mediation_failed(county):
    from django.utils import timezone

    from jingmin.mediation.services import session_record

    from .helpers import session_data

    officer = county["officer_a"]
    d = register(officer)
    session_record(dispute=d, data=session_data(d, timezone.localdate()), actor=officer)
    d.refresh_from_db()
    assert "mediation_failed" in codes(d)
    assert Party.objects.filter(dispute=d).count() == 2


def test_regrade_after_the_checklist_changed_notifies_new_reds(county, capsys):
    from django.core.management import call_command

    from jingmin.mediation.models import Notification

    d = register(county["officer_a"], threats_violence=True)
    assert d.level == "orange" and not Notification.objects.exists()
    RiskFactor.objects.filter(code="threats_violence").update(weight=60)
    call_command("mediation_regrade")
    assert "1 dispute(s) changed level" in capsys.readouterr().out
    d.refresh_from_db()
    assert d.level == "red"
    assert Notification.objects.filter(dispute=d).count() == 2


def test_new_appeals_from_the_same_phone_raise_the_grade_on_regrade(county):
    d = register(county["officer_a"])
    make_appeal(unit=county.sta, phone=PHONE_A)
    make_appeal(unit=county.sta, phone=PHONE_A)
    services.dispute_regrade(dispute=d)
    d.refresh_from_db()
    assert "repeat_calls" in codes(d)
