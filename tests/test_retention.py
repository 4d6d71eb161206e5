"""Retention job: closed appeals are anonymised after APPEAL_RETENTION_DAYS
(PIPL Art. 19/47), in one audited transaction each, idempotently."""

from __future__ import annotations

import datetime as dt
import io
from io import StringIO

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from jingmin.appeals.models import Appeal
from jingmin.appeals.services import AppealInput, appeal_submit
from jingmin.appeals.tests.factories import IN_A, make_categories
from jingmin.audit.models import AuditEvent
from jingmin.audit.verification import verify_chain
from jingmin.core.retention import REDACTED, scrub
from jingmin.core.text import normalize_text
from jingmin.core.uploads import image_clean

BODY = "我叫王小明，电话13812345678，身份证330102199001011234，邻居家狗每晚乱叫"


def jpeg() -> io.BytesIO:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (0, 90, 200)).save(buf, "JPEG")
    buf.seek(0)
    return buf


def closed_appeal(cats, days_ago: int) -> Appeal:
    appeal = appeal_submit(
        data=AppealInput(
            kind=Appeal.Kind.COMPLAINT,
            body=BODY,
            name="王小明",
            phone="13812345678",
            email="wxm@example.com",
            address="幸福小区3幢",
            lon=IN_A[0] + 0.001234,
            lat=IN_A[1] + 0.004321,
            category=cats.order,
        ),
        photos=[image_clean(jpeg(), label="photo")],
    ).appeal
    # Fast-forward the workflow: closing itself is the appeals app's business.
    Appeal.objects.filter(pk=appeal.pk).update(
        status=Appeal.Status.CLOSED,
        closed_at=timezone.now() - dt.timedelta(days=days_ago),
    )
    return Appeal.objects.get(pk=appeal.pk)


@pytest.fixture
def appeals(county, settings):
    settings.APPEAL_RETENTION_DAYS = 365
    cats = make_categories(county)
    return {
        "old": closed_appeal(cats, 400),
        "recent": closed_appeal(cats, 30),
        "open": appeal_submit(
            data=AppealInput(
                kind=Appeal.Kind.COMPLAINT,
                body=BODY,
                phone="13812345678",
                category=cats.order,
            )
        ).appeal,
    }


@pytest.mark.parametrize(
    "text",
    [
        "电话13812345678",
        "手机 +86 138-1234-5678",
        "身份证33010219900101123X",
        "座机0571-87654321",
    ],
)
def test_scrub_blanks_personal_numbers(text):
    assert REDACTED in scrub(text)
    assert not any(ch.isdigit() for ch in scrub(text).replace("86", ""))


def test_scrub_keeps_ordinary_numbers():
    assert (
        scrub("3幢2单元，晚上10点以后，约20分钟") == "3幢2单元，晚上10点以后，约20分钟"
    )


def test_old_closed_appeals_are_anonymised(appeals, django_capture_on_commit_callbacks):
    photo = appeals["old"].attachments.get().file.name
    assert default_storage.exists(photo)
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("core_retention", stdout=out)
    assert "anonymised 1 appeal(s)" in out.getvalue()
    assert "1 photo(s) removed" in out.getvalue()
    old = Appeal.objects.get(pk=appeals["old"].pk)
    assert (old.name, old.phone, old.email, old.phone_index, old.address) == ("",) * 5
    assert "13812345678" not in old.body and "330102199001011234" not in old.body
    assert "邻居家狗每晚乱叫" in old.body  # what happened stays
    assert (old.lon, old.lat) == (
        round(IN_A[0] + 0.001234, 3),
        round(IN_A[1] + 0.004321, 3),
    )
    assert old.unit_id == appeals["old"].unit_id and old.status == Appeal.Status.CLOSED
    assert not old.attachments.exists() and not default_storage.exists(photo)
    event = AuditEvent.objects.get(action="appeal.anonymise")
    assert event.object_id == str(old.pk) and event.changes["photos_removed"] == 1
    assert "13812345678" not in str(event.changes)
    assert verify_chain().ok


def test_recent_and_open_appeals_are_untouched(appeals):
    call_command("core_retention", stdout=StringIO())
    for key in ("recent", "open"):
        appeal = Appeal.objects.get(pk=appeals[key].pk)
        assert appeal.phone == "13812345678" and appeal.body == normalize_text(BODY)


def test_second_run_changes_nothing(appeals):
    call_command("core_retention", stdout=StringIO())
    before = Appeal.objects.values().get(pk=appeals["old"].pk)
    out = StringIO()
    call_command("core_retention", stdout=out)
    assert "anonymised 0 appeal(s)" in out.getvalue()
    assert Appeal.objects.values().get(pk=appeals["old"].pk) == before
    assert AuditEvent.objects.filter(action="appeal.anonymise").count() == 1


def test_dry_run_only_counts(appeals):
    out = StringIO()
    call_command("core_retention", "--dry-run", stdout=out)
    assert "would anonymise 1 appeal(s)" in out.getvalue()
    assert Appeal.objects.get(pk=appeals["old"].pk).phone == "13812345678"


def test_the_period_is_configurable(appeals, settings):
    settings.APPEAL_RETENTION_DAYS = 10
    out = StringIO()
    call_command("core_retention", stdout=out)
    assert "anonymised 2 appeal(s)" in out.getvalue()


def test_console_still_shows_an_anonymised_appeal(appeals, county, client_for):
    call_command("core_retention", stdout=StringIO())
    response = client_for(county["supervisor"]).get(
        f"/appeals/console/{appeals['old'].pk}/"
    )
    assert response.status_code == 200
    assert "13812345678" not in response.content.decode()


# --- disputes (mediation): parties anonymised after MEDIATION_RETENTION_DAYS ---

ID_NUMBER = "11010519491231002X"  # the standard's own example, valid checksum


def closed_dispute(county, days_ago: int):
    """A dispute with parties, a session, an agreement and a warning, closed
    ``days_ago`` days ago (closing itself is the mediation app's business)."""
    from jingmin.mediation import services
    from jingmin.mediation.models import Dispute, Warning
    from jingmin.mediation.services import PartyData
    from jingmin.mediation.tests.helpers import register, session_data

    officer = county["officer_a"]
    registered = timezone.now() - dt.timedelta(days=days_ago + 30)
    dispute = register(
        officer,
        created_at=registered,
        summary="张三与李四因噪音争吵，张三电话13800001111",
        parties=[
            PartyData(name="张三", phone="13800001111", id_number=ID_NUMBER),
            PartyData(name="李四", phone="13900002222", side="b", is_minor=True),
        ],
        address="测试县甲镇人民路1号",
        lon=120.051234,
        lat=30.054321,
    )
    held_on = timezone.localtime(registered).date() + dt.timedelta(days=1)
    session = services.session_record(
        dispute=dispute,
        data=session_data(
            dispute,
            held_on,
            guardian_present=True,
            guardian_name="李大壮",
            other_attendees="王五（邻居）",
            notes="李大壮代李四表态；张三称13800001111可随时联系",
        ),
        actor=officer,
    )
    services.agreement_create(
        dispute=dispute,
        session=session,
        terms=f"甲方张三（身份证{ID_NUMBER}）向乙方李四赔礼道歉，22点后保持安静",
        signed_on=held_on,
        actor=officer,
    )
    Warning.objects.create(
        unit=dispute.unit,
        dispute=dispute,
        kind=Warning.Kind.REPEAT_ADDRESS,
        key=f"address:测试县甲镇人民路1:{days_ago}",
        reason="同一地址（测试县甲镇人民路1号）90天内有纠纷3起",
        created_at=registered,
        updated_at=registered,
    )
    Dispute.objects.filter(pk=dispute.pk).update(
        status=Dispute.Status.CLOSED,
        closed_at=timezone.now() - dt.timedelta(days=days_ago),
    )
    return Dispute.objects.get(pk=dispute.pk)


@pytest.fixture
def disputes(county, settings):
    settings.MEDIATION_RETENTION_DAYS = 365
    return {"old": closed_dispute(county, 400), "recent": closed_dispute(county, 30)}


def _dispute_text(dispute) -> str:
    """Everything stored about the dispute, decrypted, as one string."""
    parts = [dispute.summary, dispute.address, dispute.address_key]
    for p in dispute.parties.all():
        parts += [p.name, p.phone, p.phone_index, p.id_number, p.id_index]
    for s in dispute.sessions.all():
        parts += [s.guardian_name, s.other_attendees, s.notes, s.place]
    parts += [a.terms for a in dispute.agreements.all()]
    parts += [f"{w.key} {w.reason}" for w in dispute.warnings.all()]
    parts += [n.text for n in dispute.notifications.all()]
    return "\n".join(parts)


def test_old_closed_disputes_lose_their_parties_personal_data(disputes):
    from jingmin.mediation.models import Dispute

    out = StringIO()
    call_command("core_retention", stdout=out)
    assert "anonymised 1 dispute(s)" in out.getvalue()
    old = Dispute.objects.get(pk=disputes["old"].pk)
    text = _dispute_text(old)
    for secret in (
        "张三", "李四", "李大壮", "王五", "13800001111", "13900002222",
        ID_NUMBER, "人民路1号", "人民路1",
    ):  # fmt: skip
        assert secret not in text, secret
    party_a, party_b = old.parties.order_by("side")
    assert party_a.name == REDACTED and party_a.phone_index == ""
    assert party_b.is_minor  # the facts stay; only who they were goes
    assert "噪音" in old.summary and "赔礼道歉" in old.agreements.get().terms
    assert (old.lon, old.lat) == (120.051, 30.054)
    assert old.status == Dispute.Status.CLOSED and old.level == disputes["old"].level
    event = AuditEvent.objects.get(action="dispute.anonymise")
    assert event.object_id == str(old.pk) and event.changes["parties"] == 2
    assert "13800001111" not in str(event.changes)
    assert verify_chain().ok


def test_recent_disputes_are_untouched_and_a_second_run_changes_nothing(disputes):
    from jingmin.mediation.models import Dispute, Party

    call_command("core_retention", stdout=StringIO())
    recent = Dispute.objects.get(pk=disputes["recent"].pk)
    assert "13800001111" in _dispute_text(recent)
    before = list(Party.objects.values().order_by("pk"))
    out = StringIO()
    call_command("core_retention", stdout=out)
    assert "anonymised 0 dispute(s)" in out.getvalue()
    assert list(Party.objects.values().order_by("pk")) == before
    assert AuditEvent.objects.filter(action="dispute.anonymise").count() == 1


def test_dispute_retention_dry_run_and_period(disputes, settings):
    from jingmin.mediation.models import Party

    out = StringIO()
    call_command("core_retention", "--dry-run", stdout=out)
    assert "would anonymise 1 dispute(s)" in out.getvalue()
    assert Party.objects.filter(phone_index="").count() == 0
    settings.MEDIATION_RETENTION_DAYS = 10
    out = StringIO()
    call_command("core_retention", stdout=out)
    assert "anonymised 2 dispute(s)" in out.getvalue()
    assert "(retention 10 days)" in out.getvalue()


def test_a_dispute_closed_again_after_reopening_is_anonymised_again(county, settings):
    """The mark is the audit event after the last closing, not a flag for ever."""
    from unittest import mock

    from jingmin.mediation import services
    from jingmin.mediation.models import Dispute
    from jingmin.mediation.services import PartyData

    settings.MEDIATION_RETENTION_DAYS = 365
    dispute = closed_dispute(county, 800)
    a_year_ago = timezone.now() - dt.timedelta(days=400)
    with mock.patch("django.utils.timezone.now", return_value=a_year_ago):
        call_command("core_retention", stdout=StringIO())
    assert AuditEvent.objects.filter(action="dispute.anonymise").count() == 1
    Dispute.objects.filter(pk=dispute.pk).update(status=Dispute.Status.MEDIATING)
    services.party_add(
        dispute=Dispute.objects.get(pk=dispute.pk),
        data=PartyData(name="赵六", phone="13700003333", side="other"),
        actor=county["officer_a"],
    )
    Dispute.objects.filter(pk=dispute.pk).update(
        status=Dispute.Status.CLOSED,
        closed_at=timezone.now() - dt.timedelta(days=380),
    )
    out = StringIO()
    call_command("core_retention", stdout=out)
    assert "anonymised 1 dispute(s)" in out.getvalue()
    assert "13700003333" not in _dispute_text(Dispute.objects.get(pk=dispute.pk))
    assert AuditEvent.objects.filter(action="dispute.anonymise").count() == 2
    assert verify_chain().ok


def test_console_still_shows_an_anonymised_dispute(disputes, county, client_for):
    call_command("core_retention", stdout=StringIO())
    response = client_for(county["supervisor"]).get(f"/mediation/{disputes['old'].pk}/")
    assert response.status_code == 200
    assert "13800001111" not in response.content.decode()
