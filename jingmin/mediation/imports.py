"""CSV import of disputes (e.g. from a township's paper ledger): all or nothing.

Columns (header row, Chinese or English names): unit/单位, type/类型, summary/简要情况,
address/地址, lon/经度, lat/纬度, date/登记日期, amount/金额, people/人数,
threats/威胁暴力, weapons/凶器, party1_name/当事人1 … party4_*, with _phone/_电话,
_id/_身份证, _minor/_未成年, _kind/_类别 per party. Type may be the code or the
Chinese label; booleans accept 是/否, 1/0, true/false.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jingmin.audit.services import event_record
from jingmin.core.calendar import SHANGHAI
from jingmin.core.exceptions import DomainError, ImportFailed
from jingmin.org.models import Unit

from .models import Dispute, Party
from .services import DisputeData, PartyData, dispute_register

ALIASES = {
    "单位": "unit",
    "承办单位": "unit",
    "类型": "type",
    "纠纷类型": "type",
    "简要情况": "summary",
    "地址": "address",
    "经度": "lon",
    "纬度": "lat",
    "登记日期": "date",
    "金额": "amount",
    "人数": "people",
    "威胁暴力": "threats",
    "凶器": "weapons",
}
PARTY_SUFFIX = {
    "": "name",
    "_name": "name",
    "_phone": "phone",
    "_电话": "phone",
    "_id": "id",
    "_身份证": "id",
    "_minor": "minor",
    "_未成年": "minor",
    "_kind": "kind",
    "_类别": "kind",
}
MAX_PARTIES = 4
TRUE = {"1", "是", "true", "yes", "y", "有"}
FALSE = {"", "0", "否", "false", "no", "n", "无"}


def _column(name: str) -> str:
    name = name.strip().lower()
    if name in ALIASES:
        return ALIASES[name]
    for i in range(1, MAX_PARTIES + 1):
        for prefix in (f"party{i}", f"当事人{i}"):
            if name.startswith(prefix):
                suffix = name[len(prefix) :]
                if suffix in PARTY_SUFFIX:
                    return f"party{i}_{PARTY_SUFFIX[suffix]}"
    return name


def _bool(value: str, field: str) -> bool:
    v = value.strip().lower()
    if v in TRUE:
        return True
    if v in FALSE:
        return False
    raise DomainError(_("应填写“是”或“否”"), field=field)


def _type(value: str) -> str:
    v = value.strip()
    by_label = {str(label): code for code, label in Dispute.Type.choices}
    if v in Dispute.Type.values:
        return v
    if v in by_label:
        return by_label[v]
    raise DomainError(_("纠纷类型“%(v)s”无效") % {"v": v}, field="type")


def _row(
    row: dict[str, str], units: dict[str, Unit]
) -> tuple[DisputeData, Unit, dt.datetime | None]:
    code = row.get("unit", "").strip()
    if code not in units:
        raise DomainError(_("单位代码“%(c)s”不存在") % {"c": code}, field="unit")
    parties = []
    for i in range(1, MAX_PARTIES + 1):
        name = row.get(f"party{i}_name", "").strip()
        if not name:
            continue
        kind = row.get(f"party{i}_kind", "").strip()
        parties.append(
            PartyData(
                name=name,
                kind=Party.Kind.ORGANISATION
                if kind in ("单位", "organisation")
                else Party.Kind.PERSON,
                side=Party.Side.A if i == 1 else Party.Side.B,
                phone=row.get(f"party{i}_phone", ""),
                id_number=row.get(f"party{i}_id", ""),
                is_minor=_bool(row.get(f"party{i}_minor", ""), f"party{i}_minor"),
            )
        )
    lon = lat = None
    try:
        if row.get("lon", "").strip():
            lon, lat = float(row["lon"]), float(row.get("lat", ""))
    except ValueError as exc:
        raise DomainError(_("经纬度应为数字"), field="lon") from exc
    amount = None
    if row.get("amount", "").strip():
        try:
            amount = Decimal(row["amount"].replace(",", "").strip())
        except InvalidOperation as exc:
            raise DomainError(_("金额应为数字"), field="amount") from exc
    try:
        people = int(row.get("people", "").strip() or 2)
    except ValueError as exc:
        raise DomainError(_("人数应为整数"), field="people") from exc
    created = None
    if row.get("date", "").strip():
        try:
            day = dt.date.fromisoformat(row["date"].strip())
        except ValueError as exc:
            raise DomainError(_("日期应为 YYYY-MM-DD"), field="date") from exc
        if day > timezone.localdate():
            raise DomainError(_("登记日期不能晚于今天"), field="date")
        created = dt.datetime.combine(day, dt.time(9, 0), tzinfo=SHANGHAI)
    data = DisputeData(
        type=_type(row.get("type", "")) if row.get("type", "").strip() else "",
        summary=row.get("summary", ""),
        parties=parties,
        address=row.get("address", ""),
        lon=lon,
        lat=lat,
        source=Dispute.Source.IMPORT,
        amount=amount,
        people_count=people,
        threats_violence=_bool(row.get("threats", ""), "threats"),
        weapons=_bool(row.get("weapons", ""), "weapons"),
    )
    return data, units[code], created


@transaction.atomic
def disputes_import_csv(*, text: str, actor: Any = None) -> list[Dispute]:
    """Register every row or none; ImportFailed names each bad row and field."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    if not reader.fieldnames:
        raise ImportFailed(_("文件为空"), [])
    reader.fieldnames = [_column(n) for n in reader.fieldnames]
    units = {u.code: u for u in Unit.objects.all()}
    errors: list[tuple[str, str, str]] = []
    created: list[Dispute] = []
    for lineno, row in enumerate(reader, start=2):
        record = _("第%(n)s行") % {"n": lineno}
        try:
            data, unit, when = _row({k: (v or "") for k, v in row.items() if k}, units)
            with transaction.atomic():
                created.append(
                    dispute_register(
                        data=data,
                        actor=None,
                        unit=unit,
                        confirm_new=True,
                        created_at=when,
                    )
                )
        except DomainError as exc:
            errors.append((record, exc.field or "-", str(exc)))
    if errors:
        raise ImportFailed(
            _("导入失败，共%(n)s行有误，未导入任何纠纷") % {"n": len(errors)}, errors
        )
    if not created:
        raise ImportFailed(_("文件中没有纠纷"), [])
    event_record(
        actor=actor,
        action="mediation.import",
        changes={"count": len(created)},
        object_type="mediation.dispute",
        actor_label="system",
    )
    return created
