"""Read an Open311 response the same way in both formats (as a client would)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET  # noqa: S405  (types only)
from typing import Any

from defusedxml import ElementTree as SafeET

LISTS = {
    "services",
    "service_requests",
    "errors",
    "attributes",
    "values",
    "endpoints",
    "formats",
    "notes",
}


def _element(node: ET.Element) -> Any:
    if node.tag in LISTS:
        return [_element(child) for child in node]
    if len(node):
        return {child.tag: _element(child) for child in node}
    return node.text


def read(response) -> Any:
    """JSON as is; XML turned into the same nesting (all leaves as text)."""
    content_type = response["Content-Type"]
    if content_type == "application/json; charset=utf-8":
        return json.loads(response.content)
    assert content_type == "text/xml; charset=utf-8", content_type
    assert response.content.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    assert b"xmlns" not in response.content
    return _element(SafeET.fromstring(response.content))


def error_codes(response) -> list[str]:
    return [str(e["code"]) for e in read(response)]
