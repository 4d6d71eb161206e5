"""Retention for disputes: anonymise the parties of disputes closed (办结归档) more
than MEDIATION_RETENTION_DAYS ago (PIPL Arts. 19 and 47), the same way closed
appeals are (jingmin.core.retention, ADR 065; this part: ADR 100).

What goes: every party's name (replaced by a placeholder), phone, ID number and
their blind indexes, the prior-violence note; the dispute's address and its match
key; guardians and other attendees named in sessions. Phone and ID numbers, the
parties' names and the address are blanked wherever staff typed them into free
text (summary, session notes, agreement terms, referral reasons, follow-up notes,
warning reasons, notifications). The location is rounded to about 100 m. What
stays: type, unit, dates, risk grading, outcomes, flags (minor, vulnerable,
prior violence): the record of what the police did.

No column marks a done dispute: the audit trail does. A dispute is due when it is
closed, was closed before the cut-off and has no ``dispute.anonymise`` event since
it was last closed; so a second run changes nothing, and a dispute reopened and
closed again (new parties) is anonymised again once its new closing is old enough.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Exists, OuterRef, QuerySet
from django.db.models.functions import Cast

from jingmin.audit.models import AuditEvent
from jingmin.audit.services import event_record
from jingmin.core.retention import REDACTED, scrub

from .models import Dispute

ACTION = "dispute.anonymise"
DEFAULT_DAYS = 730
# Shorter names (one character) would blank ordinary words of the text.
MIN_NAME_LENGTH = 2


def retention_days() -> int:
    return int(getattr(settings, "MEDIATION_RETENTION_DAYS", DEFAULT_DAYS))


def _anonymised_since_closing() -> Exists:
    return Exists(
        AuditEvent.objects.filter(
            action=ACTION,
            object_type=Dispute._meta.label_lower,
            object_id=Cast(OuterRef("pk"), output_field=CharField()),
            created_at__gte=OuterRef("closed_at"),
        )
    )


def due_disputes(cutoff: dt.datetime) -> QuerySet[Dispute]:
    return (
        Dispute.objects.filter(status=Dispute.Status.CLOSED, closed_at__lt=cutoff)
        .exclude(_anonymised_since_closing())
        .order_by("pk")
    )


def _redactor(known: set[str]):
    """Blank personal numbers, then every known name or address, longest first."""
    words = sorted(
        (w for w in known if len(w) >= MIN_NAME_LENGTH), key=len, reverse=True
    )

    def redact(text: str) -> str:
        text = scrub(text)
        for word in words:
            text = text.replace(word, REDACTED)
        return text

    return redact


def _save_texts(objects, fields: list[str], redact) -> int:
    changed = 0
    for obj in objects:
        before = [getattr(obj, f) for f in fields]
        after = [redact(v or "") for v in before]
        if after != before:
            for name, value in zip(fields, after, strict=True):
                setattr(obj, name, value)
            obj.save(update_fields=fields)
            changed += 1
    return changed


@transaction.atomic
def dispute_anonymise(*, dispute_id: int, cutoff: dt.datetime) -> int | None:
    """Anonymise one dispute; returns how many parties it had, or None when the
    dispute is no longer due (reopened meanwhile, or done by a parallel run)."""
    dispute = (
        due_disputes(cutoff)
        .select_for_update(of=("self",))
        .filter(pk=dispute_id)
        .first()
    )
    if dispute is None:
        return None
    parties = list(dispute.parties.all())
    known = {dispute.address.strip()}
    for party in parties:
        known.update({party.name.strip(), party.phone.strip(), party.id_number.strip()})
    sessions = list(dispute.sessions.all())
    known.update(s.guardian_name.strip() for s in sessions)
    redact = _redactor(known - {""})

    for party in parties:
        party.name = REDACTED
        party.phone = party.phone_index = ""
        party.id_number = party.id_index = ""
        party.prior_violent_reason = ""
        party.save(
            update_fields=[
                "name", "phone", "phone_index", "id_number", "id_index",
                "prior_violent_reason",
            ]
        )  # fmt: skip
    for session in sessions:
        session.guardian_name = ""
        session.other_attendees = ""
        session.notes = redact(session.notes)
        session.place = redact(session.place)
        session.save(
            update_fields=["guardian_name", "other_attendees", "notes", "place"]
        )
    _save_texts(dispute.agreements.all(), ["terms", "performance"], redact)
    _save_texts(dispute.referrals.all(), ["reason"], redact)
    _save_texts(dispute.followups.all(), ["notes"], redact)
    _save_texts(dispute.notifications.all(), ["text"], redact)
    for warning in dispute.warnings.all():
        warning.reason = redact(warning.reason)
        if warning.key.startswith(("address:", "party:")):
            warning.key = f"anonymised:{warning.pk}"  # the address, or a blind index
        warning.save(update_fields=["reason", "key"])

    dispute.summary = redact(dispute.summary)
    dispute.address = dispute.address_key = ""
    dispute.escalation_note = redact(dispute.escalation_note)
    dispute.override_reason = redact(dispute.override_reason)
    if dispute.lon is not None and dispute.lat is not None:
        dispute.lon, dispute.lat = round(dispute.lon, 3), round(dispute.lat, 3)
    dispute.save(
        update_fields=[
            "summary", "address", "address_key", "escalation_note",
            "override_reason", "lon", "lat",
        ]
    )  # fmt: skip
    event_record(
        actor=None,
        actor_label="system",
        action=ACTION,
        obj=dispute,
        changes={"parties": len(parties), "retention_days": retention_days()},
    )
    return len(parties)


def disputes_retention_run(
    *, now: dt.datetime, dry_run: bool = False
) -> tuple[dt.datetime, int]:
    """(cut-off, disputes anonymised or, with ``dry_run``, due)."""
    cutoff = now - dt.timedelta(days=retention_days())
    ids = list(due_disputes(cutoff).values_list("pk", flat=True))
    if dry_run:
        return cutoff, len(ids)
    done = sum(
        1 for pk in ids if dispute_anonymise(dispute_id=pk, cutoff=cutoff) is not None
    )
    return cutoff, done
