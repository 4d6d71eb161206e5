"""POST requests: check the form the spec's way, then hand it to the appeals intake.

Everything is checked before anything is written, so a rejected request stores
nothing; the appeal itself is created by ``jingmin.appeals.services`` exactly as
the web form creates it (routing, classification, audit). An ``Idempotency-Key``
header makes a retried POST replay the first answer instead of filing twice.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.http import HttpRequest, QueryDict
from django.utils.translation import gettext as _

from jingmin.appeals.models import Appeal
from jingmin.appeals.services import AppealInput, appeal_submit
from jingmin.audit.services import event_record
from jingmin.core.exceptions import DomainError
from jingmin.core.idempotency import idempotent
from jingmin.core.uploads import image_clean

from . import params, selectors
from .errors import ErrorItem, Open311Error, bad_request, not_found
from .models import Open311Client, Submission
from .services import client_authenticate

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
DEFAULT_MAX_BODY = 12 * 1024 * 1024
MAX_DESCRIPTION = 4000
MAX_FILES = 5
ATTRIBUTE_RE = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
# Our intake's field names → the spec's, so an error names what the client sent.
SPEC_FIELDS = {
    "body": "description",
    "lon": "long",
    "address": "address_string",
    "photos": "media",
    "name": "last_name",
}
_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")


@dataclass
class Parsed:
    category: Any
    lon: float | None
    lat: float | None
    address: str
    description: str
    attributes: dict[str, Any]
    email: str
    phone: str
    name: str
    device_id: str
    account_id: str
    media_url: str
    files: list = field(default_factory=list)


def max_body() -> int:
    return int(getattr(settings, "OPEN311_MAX_BODY", DEFAULT_MAX_BODY))


def _check_envelope(request: HttpRequest) -> None:
    """Content type and size, before Django reads the body."""
    length = request.META.get("CONTENT_LENGTH") or "0"
    size = int(length) if length.isdigit() else 0
    if size > max_body():
        raise bad_request(
            _("请求体过大：上限 %(mb)s MB") % {"mb": max_body() // (1024 * 1024)},
            code=413,
        )
    content_type = (request.content_type or "").lower()
    if size and content_type not in FORM_TYPES:
        raise bad_request(
            _(
                "不支持的 Content-Type：%(t)s；请使用 application/x-www-form-urlencoded 或 multipart/form-data"
            )
            % {"t": content_type[:60] or "-"},
            code=415,
        )


def _location(data: QueryDict) -> tuple[float | None, float | None, str]:
    lat_raw, lon_raw = params.value(data, "lat"), params.value(data, "long")
    address = params.value(data, "address_string")
    if bool(lat_raw) != bool(lon_raw):
        raise bad_request(_("lat 与 long 须同时提供或同时不提供"))
    if not (lat_raw or address):
        if params.value(data, "address_id"):
            raise bad_request(
                _("本系统没有地址编码库，请改用 lat/long 或 address_string")
            )
        raise bad_request(_("缺少位置：请提供 lat 和 long，或 address_string"))
    lat = lon = None
    if lat_raw:
        try:
            lat, lon = float(lat_raw), float(lon_raw)
        except ValueError as exc:
            raise bad_request(_("lat/long 须为数字（WGS84 经纬度）")) from exc
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise bad_request(_("lat/long 超出经纬度范围"))
    if len(address) > 200:
        raise bad_request(_("address_string 不能超过 200 个字符"))
    return lon, lat, address


def _raw_attributes(data: QueryDict) -> dict[str, list[str]]:
    answers: dict[str, list[str]] = {}
    for key in data:
        match = ATTRIBUTE_RE.match(key)
        if match:
            values = [v.strip() for v in data.getlist(key) if v.strip()]
            answers.setdefault(match.group(1), []).extend(values)
    return answers


def _attributes(category: Any, data: QueryDict) -> dict[str, Any]:
    """Answers checked against the service definition; every problem reported at once."""
    raw = _raw_attributes(data)
    errors: list[ErrorItem] = []
    answers: dict[str, Any] = {}
    for attr in selectors.service_attributes(category):
        if not attr["variable"]:
            continue
        code, given = attr["code"], raw.get(attr["code"], [])
        if not given:
            if attr["required"]:
                errors.append(
                    ErrorItem(
                        400,
                        _("缺少必填项 attribute[%(c)s]（%(d)s）")
                        % {"c": code, "d": attr["description"]},
                    )
                )
            continue
        keys = {v["key"] for v in attr.get("values", [])}
        datatype = attr["datatype"]
        bad = None
        if datatype == "multivaluelist":
            bad = [v for v in given if v not in keys]
            value: Any = given
        else:
            value = given[0]
            if datatype == "singlevaluelist" and value not in keys:
                bad = [value]
            elif datatype == "number" and not _NUMBER.match(value):
                bad = [value]
            elif datatype == "datetime" and params.parse_w3c(value) is None:
                bad = [value]
            elif len(value) > 1000:
                bad = [value[:20] + "…"]
        if bad:
            errors.append(
                ErrorItem(
                    400,
                    _("attribute[%(c)s] 的值无效：%(v)s")
                    % {"c": code, "v": ",".join(bad)[:80]},
                )
            )
        else:
            answers[code] = value
    if errors:
        raise Open311Error(400, *errors)
    return answers


def _contact(data: QueryDict) -> tuple[str, str, str]:
    email = params.value(data, "email")
    if email:
        try:
            EmailValidator()(email)
        except ValidationError as exc:
            raise bad_request(_("email 格式不正确")) from exc
    phone = params.value(data, "phone")
    if len(phone) > 40:
        raise bad_request(_("phone 格式不正确"))
    name = (params.value(data, "last_name") + params.value(data, "first_name"))[:60]
    return email, phone, name


def _media_url(data: QueryDict) -> str:
    url = params.value(data, "media_url")
    if url:
        try:
            URLValidator(schemes=["http", "https"])(url)
        except ValidationError as exc:
            raise bad_request(_("media_url 须为 http(s) 地址")) from exc
        if len(url) > 500:
            raise bad_request(_("media_url 不能超过 500 个字符"))
    return url


def parse(request: HttpRequest) -> Parsed:
    data = request.POST
    code = params.value(data, "service_code")
    if not code:
        raise bad_request(_("缺少 service_code"))
    category = selectors.service_get(code)
    if category is None:
        raise not_found(_("未知的 service_code：%(code)s") % {"code": code[:60]})
    lon, lat, address = _location(data)
    description = (data.get("description") or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise bad_request(_("description 不能超过 4000 个字符"))
    attributes = _attributes(category, data)
    email, phone, name = _contact(data)
    files = request.FILES.getlist("media") + request.FILES.getlist("media[]")
    if len(files) > MAX_FILES:
        raise bad_request(_("最多上传 %(n)s 个文件") % {"n": MAX_FILES})
    return Parsed(
        category=category,
        lon=lon,
        lat=lat,
        address=address,
        description=description,
        attributes=attributes,
        email=email,
        phone=phone,
        name=name,
        device_id=params.value(data, "device_id")[:100],
        account_id=params.value(data, "account_id")[:100],
        media_url=_media_url(data),
        files=files,
    )


def _fingerprint(request: HttpRequest) -> dict[str, Any]:
    body = {k: request.POST.getlist(k) for k in sorted(request.POST) if k != "api_key"}
    files = [
        [f.name, f.size, hashlib.sha256(f.read()).hexdigest()]
        for f in request.FILES.getlist("media") + request.FILES.getlist("media[]")
    ]
    for f in request.FILES.getlist("media") + request.FILES.getlist("media[]"):
        f.seek(0)
    return {"form": body, "files": files}


def request_create(request: HttpRequest) -> tuple[int, list[dict[str, Any]]]:
    """(HTTP status, the ``service_requests`` body) for POST requests."""
    _check_envelope(request)
    params.refuse_nul(request, {})
    params.check_jurisdiction(params.either(request, "jurisdiction_id"))
    client = client_authenticate(params.either(request, "api_key"))
    parsed = parse(request)
    key = request.headers.get("Idempotency-Key", "").strip()

    def handler() -> tuple[int, list[dict[str, Any]]]:
        appeal = _submit(parsed, client, request)
        return 200, [
            {
                "service_request_id": appeal.number,
                "service_notice": selectors.service_notice(parsed.category),
                "account_id": parsed.account_id or None,
            }
        ]

    try:
        if not key:
            return handler()
        outcome = idempotent(
            scope=f"open311:{client.pk}",
            key=key,
            payload=_fingerprint(request),
            handler=handler,
        )
        return outcome.status, outcome.body
    except DomainError as exc:
        # 422: the same Idempotency-Key with another body (the draft standard's code).
        field = SPEC_FIELDS.get(exc.field or "", exc.field)
        text = f"{field}：{exc.message}" if field else str(exc.message)
        raise Open311Error.one(422 if exc.status == 422 else 400, text) from exc


@transaction.atomic
def _submit(parsed: Parsed, client: Open311Client, request: HttpRequest) -> Any:
    """One appeal through the appeals intake, plus our record of the client, audited."""
    photos = [image_clean(f, label=f.name) for f in parsed.files]
    submitted = appeal_submit(
        data=AppealInput(
            kind=Appeal.Kind.HELP,
            body=parsed.description or parsed.category.name,
            name=parsed.name,
            phone=parsed.phone,
            email=parsed.email,
            lon=parsed.lon,
            lat=parsed.lat,
            address=parsed.address,
            category=parsed.category,
            source=Appeal.Source.OPEN311,
            attributes=parsed.attributes,
        ),
        photos=photos,
        request=request,
    )
    submission = Submission.objects.create(
        appeal=submitted.appeal,
        client=client,
        device_id=parsed.device_id,
        account_id=parsed.account_id,
        media_url=parsed.media_url,
    )
    event_record(
        actor=None,
        actor_label=f"open311:{client.name}"[:150],
        action="open311.submit",
        obj=submission,
        changes={"client": client.name, "appeal": submitted.appeal.number},
        request=request,
    )
    return submitted.appeal
