"""Public reads for Open311: services, their questions, and requests as the spec shapes them.

Privacy (issue 4 §2) is enforced here, once, for every format:
- confidential categories, tips (举报) and unclassified appeals are never listed;
- no identity or contact of the citizen in any GET;
- coordinates are snapped to a grid cell centre (``OPEN311_GRID_DEGREES``);
- the citizen's own words are never published (ADR 052): no description, no typed
  answers (only choices from the category's lists), no address, no media_url; the
  staff-approved reply and public note texts only for categories marked public, with
  phone and ID numbers typed into them blanked.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jingmin.appeals.models import Appeal, AppealEvent, Category, LimitUnit, Reply
from jingmin.core.retention import scrub
from jingmin.portal.pagecache import stamp_bump

from .render import w3c
from .services import catalogue_version

DEFAULT_GRID_DEGREES = 0.005  # about 500 m × 550 m at the county's latitude
MAX_SPAN = dt.timedelta(days=90)
MAX_RESULTS = 1000
# A GET of requests without page_size answers this many, newest first: the spec's
# cap (90 days or 1,000, whichever is smaller) is a maximum, and a client that
# wants more pages with page/page_size (docs/decisions/092).
DEFAULT_PAGE_SIZE = 100
# Personal fields and the citizen's own words no GET shows: not loaded, so never
# decrypted or leaked by a later edit (issue 4 §2, ADR 052).
NOT_SHOWN = [
    "name",
    "phone",
    "email",
    "phone_index",
    "secret_digest",
    "title",
    "body",
    "address",
]
# A kept answer (views.requests_collection) is ignored once anything it shows
# changes (the stamp, bumped by apps.py's signals) and expires after this long
# for changes made without signals (bulk updates).
STAMP_KEY = "open311:requests:stamp"
KEEP_SECONDS = 60
LIST_DATATYPES = {"singlevaluelist", "multivaluelist"}
QUESTION_DATATYPES = {
    "string",
    "number",
    "datetime",
    "text",
    "singlevaluelist",
    "multivaluelist",
}


def grid_degrees() -> float:
    return float(getattr(settings, "OPEN311_GRID_DEGREES", DEFAULT_GRID_DEGREES))


def coarsen(value: float | None, grid: float | None = None) -> float | None:
    """The centre of the grid cell holding ``value`` (the same for every point in it)."""
    if value is None:
        return None
    grid = grid or grid_degrees()
    return round(math.floor(value / grid) * grid + grid / 2, 6)


# -- services -----------------------------------------------------------------


def service_categories() -> QuerySet[Category]:
    """Leaf categories open to the public: each is one Open311 service."""
    return (
        Category.objects.filter(active=True, is_public=True, is_confidential=False)
        .filter(children__isnull=True)
        .select_related("parent")
        .order_by("sort_order", "code")
    )


def service_get(code: str) -> Category | None:
    return service_categories().filter(code=code).first()


def service_notice(category: Category) -> str:
    """The category's time promise, e.g. 2小时内签收，5个工作日内答复."""
    accept = _("%(n)s小时内签收") % {"n": category.accept_hours}
    if not category.reply_limit:
        return accept
    if category.reply_limit_unit == LimitUnit.HOURS:
        reply = _("%(n)s小时内答复") % {"n": category.reply_limit}
    else:
        reply = _("%(n)s个工作日内答复") % {"n": category.reply_limit}
    return f"{accept}，{reply}"


def service_attributes(category: Category) -> list[dict[str, Any]]:
    """The category's questions as spec attributes, in their display order."""
    attributes = []
    questions = [q for q in category.questions or [] if isinstance(q, dict)]
    for position, question in enumerate(questions, start=1):
        datatype = question.get("datatype") or "string"
        if datatype not in QUESTION_DATATYPES or not question.get("code"):
            continue
        attribute: dict[str, Any] = {
            "variable": bool(question.get("variable", True)),
            "code": str(question["code"]),
            "datatype": datatype,
            "required": bool(question.get("required", False)),
            "datatype_description": question.get("datatype_description")
            or question.get("help")
            or None,
            "order": int(question.get("order") or position),
            "description": str(question.get("label") or question["code"]),
        }
        if datatype in {"singlevaluelist", "multivaluelist"}:
            attribute["values"] = [
                {"key": str(v.get("key")), "name": str(v.get("name", v.get("key")))}
                for v in question.get("values") or []
                if isinstance(v, dict) and v.get("key") not in (None, "")
            ]
        attributes.append(attribute)
    attributes.sort(key=lambda a: a["order"])
    return attributes


def service_dict(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": category.description_public or None,
        "metadata": bool(service_attributes(category)),
        "type": "realtime",
        "keywords": ",".join(
            k.strip()
            for k in category.keywords.replace("，", ",").split(",")
            if k.strip()
        )
        or None,
        "group": category.parent.name if category.parent_id else None,
    }


def services_list() -> list[dict[str, Any]]:
    return [service_dict(c) for c in service_categories()]


def service_definition(category: Category) -> dict[str, Any]:
    return {
        "service_code": category.code,
        "attributes": service_attributes(category),
    }


def catalogue_digest() -> str:
    """A fingerprint of everything a client caches from services and definitions."""
    rows = Category.objects.order_by("pk").values_list(
        "pk",
        "code",
        "name",
        "parent_id",
        "active",
        "is_public",
        "is_confidential",
        "description_public",
        "keywords",
        "questions",
        "sort_order",
    )
    canonical = json.dumps(list(rows), ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def changeset() -> str:
    """A sortable stamp (UTC, compact ISO) of the last change to the public catalogue."""
    return catalogue_version().changed_at.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


# -- requests -----------------------------------------------------------------


@dataclass(frozen=True)
class RequestQuery:
    ids: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    start: dt.datetime | None = None
    end: dt.datetime | None = None
    statuses: tuple[str, ...] = ()
    updated_after: dt.datetime | None = None
    updated_before: dt.datetime | None = None
    page: int = 1
    page_size: int = DEFAULT_PAGE_SIZE


def public_appeals() -> QuerySet[Appeal]:
    """Every appeal that may appear in a public GET at all."""
    return (
        Appeal.objects.filter(
            category__isnull=False,
            category__is_confidential=False,
        )
        .exclude(kind=Appeal.Kind.REPORT)
        .defer(*NOT_SHOWN)
        .select_related("category", "unit", "forwarded_to")
        .prefetch_related(
            Prefetch(
                "replies",
                queryset=Reply.objects.filter(status=Reply.Status.APPROVED).order_by(
                    "approved_at", "pk"
                ),
                to_attr="public_replies",
            )
        )
        .order_by("-created_at", "-pk")
    )


def requests_changed(**_kwargs: Any) -> None:
    stamp_bump(STAMP_KEY)


def requests_search(query: RequestQuery, *, extensions: bool = False) -> list[Appeal]:
    qs = public_appeals()
    if extensions:
        qs = qs.prefetch_related(_public_events())
    if query.ids:
        qs = qs.filter(number__in=query.ids)
    else:
        end = query.end or (query.start + MAX_SPAN if query.start else timezone.now())
        start = query.start or end - MAX_SPAN
        qs = qs.filter(created_at__gte=start, created_at__lte=end)
        if query.service_codes:
            qs = qs.filter(category__code__in=query.service_codes)
        if query.statuses == ("closed",):
            qs = qs.filter(status=Appeal.Status.CLOSED)
        elif query.statuses == ("open",):
            qs = qs.exclude(status=Appeal.Status.CLOSED)
        if query.updated_after:
            qs = qs.filter(updated_at__gt=query.updated_after)
        if query.updated_before:
            qs = qs.filter(updated_at__lt=query.updated_before)
    offset = (query.page - 1) * query.page_size
    return list(qs[offset : offset + query.page_size])


def request_get(number: str, *, extensions: bool = False) -> Appeal | None:
    qs = public_appeals().filter(number=number)
    if extensions:
        qs = qs.prefetch_related(_public_events())
    return qs.first()


def _public_events() -> Prefetch:
    return Prefetch(
        "events",
        queryset=AppealEvent.objects.filter(public=True).order_by("created_at", "pk"),
        to_attr="public_events",
    )


def _status_notes(appeal: Appeal, public_text: bool) -> str | None:
    replies = getattr(appeal, "public_replies", None)
    if replies is None:
        replies = list(appeal.replies.filter(status=Reply.Status.APPROVED))
    if replies and public_text:
        return scrub(replies[-1].body)
    if appeal.forwarded_to_id and appeal.status in {
        Appeal.Status.FORWARDED,
        Appeal.Status.CLOSED,
    }:
        dept = appeal.forwarded_to
        return _("已转 %(dept)s 办理，联系电话 %(phone)s") % {
            "dept": dept.name,
            "phone": dept.contact_phone,
        }
    if replies:
        return _("已答复")
    return None


def request_dict(appeal: Appeal, *, extensions: bool = False) -> dict[str, Any]:
    category = appeal.category
    public = category.is_public
    closed = appeal.status == Appeal.Status.CLOSED
    agency = appeal.forwarded_to or appeal.unit
    data: dict[str, Any] = {
        "service_request_id": appeal.number,
        "status": "closed" if closed else "open",
        "status_notes": _status_notes(appeal, public),
        "service_name": category.name,
        "service_code": category.code,
        # The citizen's text is never reviewed for publication (ADR 052): no body.
        "description": None,
        "agency_responsible": agency.name if agency else None,
        "service_notice": service_notice(category),
        "requested_datetime": w3c(appeal.created_at),
        "updated_datetime": w3c(
            (appeal.closed_at or appeal.updated_at) if closed else appeal.updated_at
        ),
        "expected_datetime": None if closed else w3c(appeal.reply_due),
        "address": None,  # the grid cell below is the only location shown
        "address_id": None,
        "zipcode": None,
        "lat": coarsen(appeal.lat),
        "long": coarsen(appeal.lon),
        "media_url": None,  # the citizen's photo, unreviewed
    }
    if extensions:
        data.update(_extensions(appeal, public))
    return data


def _extensions(appeal: Appeal, public: bool) -> dict[str, Any]:
    events = getattr(appeal, "public_events", None)
    if events is None:
        events = appeal.events.filter(public=True).order_by("created_at", "pk")
    answers = (
        appeal.attributes if public and isinstance(appeal.attributes, dict) else {}
    )
    # Only answers picked from the category's own lists: typed answers (string,
    # text, number, datetime) are the citizen's words, unreviewed (ADR 052).
    labels = {
        a["code"]: a["description"]
        for a in service_attributes(appeal.category)
        if a["datatype"] in LIST_DATATYPES
    }
    return {
        "attributes": [
            {
                "label": labels.get(code, code),
                "name": code,
                "value": scrub(
                    ",".join(map(str, value)) if isinstance(value, list) else str(value)
                ),
                "code": code,
            }
            for code, value in answers.items()
            if code in labels
        ],
        "extended_attributes": {"channel": appeal.source},
        "notes": [
            {
                "datetime": w3c(e.created_at),
                "description": (scrub(e.public_text) or None) if public else None,
                "type": e.action,
            }
            for e in events
        ],
    }
