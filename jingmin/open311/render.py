"""Spec-exact XML and the matching JSON ("Spark convention") for GeoReport v2.

Documents are plain dicts and lists. A list is written as repeated children named by
``ITEM_TAGS`` (``services`` → ``service``); in JSON the root collection collapses to a
bare array. None is an empty element in XML and null in JSON; booleans are
``true``/``false``. No namespace, utf-8 declaration.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from io import StringIO
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from django.utils.xmlutils import SimplerXMLGenerator

ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "notes": "note",
    "photos": "photo",
}
XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"
# XML 1.0 cannot carry these; a citizen's pasted text sometimes does.
_CONTROL = re.compile(r"[\x00-\x08\x0B-\x0C\x0E-\x1F]")


def w3c(value: dt.datetime | None) -> str | None:
    """W3C date-time in Asia/Shanghai with its offset, whole seconds."""
    if value is None:
        return None
    return timezone.localtime(value).replace(microsecond=0).isoformat()


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.datetime):
        return w3c(value) or ""
    return _CONTROL.sub("", str(value))


def _write(xml: SimplerXMLGenerator, tag: str, value: Any) -> None:
    if isinstance(value, list):
        xml.startElement(tag, {})
        item = ITEM_TAGS.get(tag, "item")
        for entry in value:
            _write(xml, item, entry)
        xml.endElement(tag)
    elif isinstance(value, dict):
        xml.startElement(tag, {})
        for key, sub in value.items():
            _write(xml, key, sub)
        xml.endElement(tag)
    elif value is None:
        xml.addQuickElement(tag)
    else:
        xml.addQuickElement(tag, _text(value))


def to_xml(root: str, data: Any) -> str:
    stream = StringIO()
    xml = SimplerXMLGenerator(stream, "utf-8", short_empty_elements=True)
    xml.startDocument()
    _write(xml, root, data)
    xml.endDocument()
    return stream.getvalue()


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return w3c(value)
    raise TypeError(type(value).__name__)


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, default=_json_default)


def respond(fmt: str, root: str, data: Any, status: int = 200) -> HttpResponse:
    """``data`` is the root's content: a list for collections, a dict for single roots."""
    if fmt == "json":
        return HttpResponse(to_json(data), content_type=JSON_TYPE, status=status)
    return HttpResponse(to_xml(root, data), content_type=XML_TYPE, status=status)
