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
