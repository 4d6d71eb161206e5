"""Builders for mediation tests (stations A and B of the `county` fixture)."""

from __future__ import annotations

import datetime as dt
import secrets

from django.utils import timezone

from jingmin.core.calendar import SHANGHAI
from jingmin.core.crypto import blind_index
from jingmin.mediation import services
from jingmin.mediation.models import Dispute, MediationSession, Mediator
from jingmin.mediation.services import DisputeData, PartyData, SessionData

PHONE_A = "13800001111"
PHONE_B = "13900002222"


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


def data(**overrides) -> DisputeData:
    fields = {
        "type": Dispute.Type.NEIGHBOUR,
        "summary": "楼上噪音扰民，双方多次争吵",
        "parties": [
            PartyData(name="张三", phone=PHONE_A),
            PartyData(name="李四", phone=PHONE_B, side="b"),
        ],
        "address": "测试县甲镇人民路1号",
        "lon": 120.05,
        "lat": 30.05,
    }
    fields.update(overrides)
    return DisputeData(**fields)


def register(
    actor, *, unit=None, created_at=None, confirm_new=True, **overrides
) -> Dispute:
    return services.dispute_register(
        data=data(**overrides),
        actor=actor,
        unit=unit,
        confirm_new=confirm_new,
        created_at=created_at,
    )


def session_data(dispute: Dispute, held_on: dt.date, **overrides) -> SessionData:
    fields = {
        "held_on": held_on,
        "kind": MediationSession.Kind.PUBLIC_ORDER,
        "outcome": MediationSession.Outcome.FAILED,
        "mediators": [("王警官", Mediator.Kind.POLICE)],
        "attendee_ids": list(dispute.parties.values_list("pk", flat=True)),
    }
    fields.update(overrides)
    return SessionData(**fields)


def make_appeal(
    *, unit=None, phone: str = "", address: str = "", created_at=None, **fields
):
    from jingmin.appeals.models import Appeal

    now = created_at or timezone.now()
    return Appeal.objects.create(
        number=f"T{secrets.token_hex(4)}",
        secret_digest=secrets.token_hex(32),
        kind=Appeal.Kind.COMPLAINT,
        title=fields.pop("title", "邻居噪音"),
        body=fields.pop("body", "楼上邻居每天深夜噪音，多次沟通无果"),
        name=fields.pop("name", "赵六"),
        phone=phone,
        phone_index=blind_index(phone),
        address=address,
        lon=fields.pop("lon", 120.05),
        lat=fields.pop("lat", 30.05),
        unit=unit,
        created_at=now,
        updated_at=now,
        **fields,
    )
