"""Reading GeoReport parameters: empty means absent; dates need a timezone."""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.http import HttpRequest, QueryDict
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from .errors import bad_request, not_found

DEFAULT_JURISDICTION = "jingmin.local"
# W3C date-time subset: seconds optional, fraction optional, zone mandatory.
_W3C = re.compile(
    r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$"
)


def jurisdiction_id() -> str:
    return getattr(settings, "OPEN311_JURISDICTION_ID", "") or DEFAULT_JURISDICTION


def value(data: QueryDict, name: str) -> str:
    """The parameter stripped; an empty one counts as not sent."""
    return (data.get(name) or "").strip()


def refuse_nul(request: HttpRequest, kwargs: dict) -> None:
    """NUL cannot be stored or compared in PostgreSQL text: refuse it at the door."""
    values = [*kwargs.values()]
    for data in (request.GET, request.POST):
        for key, items in data.lists():
            values.append(key)
            values.extend(items)
    if any("\x00" in v for v in values if isinstance(v, str)):
        raise bad_request(_("参数中含有不允许的控制字符"))


def either(request: HttpRequest, name: str) -> str:
    """From the POST body or the query string (clients use both for api_key)."""
    return value(request.POST, name) or value(request.GET, name)


def check_jurisdiction(given: str) -> None:
    """A single-jurisdiction server: absent is fine, anything else must match."""
    if given and given.lower() != jurisdiction_id().lower():
        raise not_found(_("未知的 jurisdiction_id：%(value)s") % {"value": given[:80]})


def parse_w3c(raw: str) -> dt.datetime | None:
    """The date-time in UTC, or None when it is not W3C with a real timezone.

    Offsets beyond ±14:00 exist nowhere (PostgreSQL refuses them) and years outside
    1900–2999 are typing errors; both are refused rather than passed to the database.
    """
    if not _W3C.match(raw):
        return None
    try:
        parsed = parse_datetime(raw)
        offset = parsed.utcoffset() if parsed else None
        if offset is None or abs(offset) > dt.timedelta(hours=14):
            return None
        parsed = parsed.astimezone(dt.UTC)
    except (ValueError, OverflowError):
        return None
    return parsed if 1900 <= parsed.year <= 2999 else None


def w3c_datetime(data: QueryDict, name: str) -> dt.datetime | None:
    raw = value(data, name)
    if not raw:
        return None
    parsed = parse_w3c(raw)
    if parsed is None:
        raise bad_request(
            _(
                "%(name)s 格式错误：须为带时区的 W3C 日期时间，如 2026-03-01T08:15:30+08:00"
            )
            % {"name": name}
        )
    return parsed


def comma_list(data: QueryDict, name: str) -> list[str]:
    """``a,b`` or repeated ``name=a&name=b``; blanks dropped, order kept, no repeats."""
    items: list[str] = []
    for raw in data.getlist(name):
        for part in raw.split(","):
            part = part.strip()
            if part and part not in items:
                items.append(part)
    return items


def positive_int(data: QueryDict, name: str, default: int, maximum: int) -> int:
    raw = value(data, name)
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or int(raw) < 1:
        raise bad_request(_("%(name)s 须为正整数") % {"name": name})
    return min(int(raw), maximum)
