"""Golden documents: the XML and JSON shapes of the GeoReport v2 wiki examples."""

from __future__ import annotations

import datetime as dt
import json

from defusedxml import ElementTree as SafeET

from jingmin.open311.render import to_json, to_xml, w3c

HEAD = '<?xml version="1.0" encoding="utf-8"?>\n'


def test_service_list_matches_the_wiki_shape():
    doc = to_xml(
        "services",
        [
            {
                "service_code": "001",
                "service_name": "噪音",
                "description": None,
                "metadata": True,
                "type": "realtime",
            }
        ],
    )
    assert doc == (
        HEAD + "<services><service><service_code>001</service_code>"
        "<service_name>噪音</service_name><description/><metadata>true</metadata>"
        "<type>realtime</type></service></services>"
    )


def test_nested_attribute_values_and_errors():
    doc = to_xml(
        "service_definition",
        {
            "service_code": "noise",
            "attributes": [
                {"code": "a", "order": 1, "values": [{"key": "k", "name": "n"}]}
            ],
        },
    )
    root = SafeET.fromstring(doc.encode())
    assert root.tag == "service_definition"
    assert root.find("attributes/attribute/values/value/key").text == "k"
    assert root.find("attributes/attribute/order").text == "1"
    errors = to_xml("errors", [{"code": 403, "description": "api_key 无效"}])
    assert errors == (
        HEAD + "<errors><error><code>403</code><description>api_key 无效</description>"
        "</error></errors>"
    )


def test_json_collections_are_bare_arrays_and_ids_strings():
    body = json.loads(to_json([{"service_request_id": "001", "lat": 30.1, "x": None}]))
    assert body == [{"service_request_id": "001", "lat": 30.1, "x": None}]


def test_control_characters_are_dropped_not_fatal():
    doc = to_xml("errors", [{"code": 400, "description": "a\x00b\x1fc"}])
    assert "<description>abc</description>" in doc


def test_w3c_has_offset_and_no_fraction():
    stamp = dt.datetime(2026, 3, 1, 0, 15, 30, 123456, tzinfo=dt.UTC)
    assert w3c(stamp) == "2026-03-01T08:15:30+08:00"
