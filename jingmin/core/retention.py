"""Retention: anonymise closed appeals after a configurable period (PIPL Arts. 19
and 47: keep personal information no longer than the purpose needs; 等保
个人信息保护 a).

What goes: the citizen's name, phone, e-mail and its blind index, the address,
photos; phone and ID numbers typed into the free text (title, body, follow-up
comments) are blanked; the location is rounded to about 100 m so place-based
statistics (hotspots, per-station rates) keep working. What stays: category,
handling units, dates, deadlines, ratings: the record of what the police did.
Each appeal is one transaction with one audit event; a second run changes nothing.
The same run anonymises the parties of old closed disputes
(jingmin.mediation.retention, MEDIATION_RETENTION_DAYS, ADR 100).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from jingmin.audit.services import event_record

DEFAULT_DAYS = 730
MARK = "anonymised_at"
# 18-digit ID numbers (last may be X), mainland mobiles (optionally +86), landlines.
PERSONAL_NUMBER = re.compile(
    r"(?<!\d)(?:\d{17}[\dXx]|(?:\+?86[- ]?)?1[3-9]\d(?:[- ]?\d{4}){2}|0\d{2,3}-?\d{7,8})(?!\d)"
)
REDACTED = "［已删除］"


def retention_days() -> int:
    return int(getattr(settings, "APPEAL_RETENTION_DAYS", DEFAULT_DAYS))


def scrub(text: str) -> str:
    return PERSONAL_NUMBER.sub(REDACTED, text or "")


@dataclass
class RetentionResult:
    cutoff: dt.datetime
    anonymised: int
    attachments: int
    dry_run: bool
    dispute_cutoff: dt.datetime | None = None
    disputes: int = 0


def due_appeals(cutoff: dt.datetime):
    from jingmin.appeals.models import Appeal

    return (
        Appeal.objects.filter(status=Appeal.Status.CLOSED, closed_at__lt=cutoff)
        .exclude(attributes__has_key=MARK)
        .order_by("pk")
    )


@transaction.atomic
def appeal_anonymise(*, appeal_id: int, now: dt.datetime) -> int:
    """Anonymise one appeal; returns the number of photos removed (0 if done already)."""
    from jingmin.appeals.models import Appeal, Attachment

    appeal = Appeal.objects.select_for_update(of=("self",)).get(pk=appeal_id)
    if MARK in (appeal.attributes or {}):
        return 0
    files = [a.file.name for a in appeal.attachments.all() if a.file]
    removed = appeal.attachments.count()
    appeal.attachments.all().delete()
    for follow_up in appeal.followups.all():
        follow_up.comment = scrub(follow_up.comment)
        follow_up.save(update_fields=["comment"])
    appeal.name = appeal.phone = appeal.email = ""
    appeal.phone_index = ""
    appeal.address = ""
    appeal.title = scrub(appeal.title)
    appeal.body = scrub(appeal.body)
    if appeal.lon is not None:
        appeal.lon, appeal.lat = round(appeal.lon, 3), round(appeal.lat, 3)
    appeal.attributes = {**(appeal.attributes or {}), MARK: now.isoformat()}
    appeal.save(
        update_fields=[
            "name", "phone", "email", "phone_index", "address", "title", "body",
            "lon", "lat", "attributes",
        ]
    )  # fmt: skip
    event_record(
        actor=None,
        actor_label="system",
        action="appeal.anonymise",
        obj=appeal,
        changes={"photos_removed": removed, "retention_days": retention_days()},
    )
    storage = Attachment._meta.get_field("file").storage

    def delete_files() -> None:
        for name in files:
            storage.delete(name)

    transaction.on_commit(delete_files)
    return removed


def retention_run(
    *, now: dt.datetime | None = None, dry_run: bool = False
) -> RetentionResult:
    """Appeals first, then disputes; each item commits on its own, so a run that
    stops half-way leaves whole items done and the rest for the next run."""
    from jingmin.mediation.retention import disputes_retention_run

    now = now or timezone.now()
    cutoff = now - dt.timedelta(days=retention_days())
    ids = list(due_appeals(cutoff).values_list("pk", flat=True))
    photos = (
        0 if dry_run else sum(appeal_anonymise(appeal_id=pk, now=now) for pk in ids)
    )
    dispute_cutoff, disputes = disputes_retention_run(now=now, dry_run=dry_run)
    return RetentionResult(cutoff, len(ids), photos, dry_run, dispute_cutoff, disputes)
