"""An OpenAPI 3 description of our GeoReport v2 server (for schemathesis and integrators).

Written by hand: the spec's format-suffix paths and bare-array JSON do not come out
of a generator, and this file is short enough to keep in step with views.py (the
schemathesis test fails when they drift).
"""

from __future__ import annotations

from typing import Any

NULLABLE_STRING = {"type": "string", "nullable": True}
ERRORS = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["code", "description"],
        "properties": {"code": {"type": "integer"}, "description": {"type": "string"}},
    },
}
SERVICE = {
    "type": "object",
    "required": ["service_code", "service_name", "metadata", "type"],
    "properties": {
        "service_code": {"type": "string"},
        "service_name": {"type": "string"},
        "description": NULLABLE_STRING,
        "metadata": {"type": "boolean"},
        "type": {"type": "string", "enum": ["realtime", "batch", "blackbox"]},
        "keywords": NULLABLE_STRING,
        "group": NULLABLE_STRING,
    },
}
DEFINITION = {
    "type": "object",
    "required": ["service_code", "attributes"],
    "properties": {
        "service_code": {"type": "string"},
        "attributes": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["variable", "code", "datatype", "required", "order"],
                "properties": {
                    "variable": {"type": "boolean"},
                    "code": {"type": "string"},
                    "datatype": {
                        "type": "string",
                        "enum": [
                            "string",
                            "number",
                            "datetime",
                            "text",
                            "singlevaluelist",
                            "multivaluelist",
                        ],
                    },
                    "required": {"type": "boolean"},
                    "datatype_description": NULLABLE_STRING,
                    "order": {"type": "integer", "minimum": 1},
                    "description": {"type": "string"},
                    "values": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "key": {"type": "string"},
                                "name": {"type": "string"},
                            },
                        },
                    },
                },
            },
        },
    },
}
REQUEST = {
    "type": "object",
    "required": ["service_request_id", "status", "service_code", "requested_datetime"],
    "properties": {
        "service_request_id": {"type": "string"},
        "status": {"type": "string", "enum": ["open", "closed"]},
        "status_notes": NULLABLE_STRING,
        "service_name": {"type": "string"},
        "service_code": {"type": "string"},
        "description": NULLABLE_STRING,
        "agency_responsible": NULLABLE_STRING,
        "service_notice": NULLABLE_STRING,
        "requested_datetime": {"type": "string", "format": "date-time"},
        "updated_datetime": {"type": "string", "format": "date-time", "nullable": True},
        "expected_datetime": {
            "type": "string",
            "format": "date-time",
            "nullable": True,
        },
        "address": NULLABLE_STRING,
        "address_id": NULLABLE_STRING,
        "zipcode": NULLABLE_STRING,
        "lat": {"type": "number", "nullable": True},
        "long": {"type": "number", "nullable": True},
        "media_url": NULLABLE_STRING,
    },
}
CREATED = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "service_request_id": {"type": "string"},
            "token": {"type": "string"},
            "service_notice": NULLABLE_STRING,
            "account_id": NULLABLE_STRING,
        },
    },
}
DISCOVERY = {
    "type": "object",
    "required": ["changeset", "contact", "key_service", "endpoints"],
    "properties": {
        "changeset": {"type": "string"},
        "contact": {"type": "string"},
        "key_service": {"type": "string"},
        "endpoints": {"type": "array", "items": {"type": "object"}},
    },
}


def _q(name: str, description: str = "", **schema: Any) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


def _p(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}


JURISDICTION = _q("jurisdiction_id", "单一辖区：可省略；给出时须与本站一致")


def _responses(ok_schema: dict[str, Any], fmt: str, *codes: int) -> dict[str, Any]:
    def content(schema: dict[str, Any]) -> dict[str, Any]:
        if fmt == "json":
            return {"application/json": {"schema": schema}}
        return {"text/xml": {"schema": {"type": "string"}}}

    responses = {"200": {"description": "OK", "content": content(ok_schema)}}
    for code in codes:
        responses[str(code)] = {"description": "错误列表", "content": content(ERRORS)}
    return responses


def _get(fmt: str, ok: dict, summary: str, parameters: list, *codes: int) -> dict:
    return {
        "get": {
            "summary": summary,
            "operationId": f"{summary}_{fmt}",
            "parameters": [JURISDICTION, *parameters],
            "responses": _responses(ok, fmt, *codes),
        }
    }


POST_FORM = {
    "type": "object",
    "required": ["api_key", "service_code"],
    "properties": {
        "api_key": {"type": "string"},
        "jurisdiction_id": {"type": "string"},
        "service_code": {"type": "string"},
        "lat": {"type": "number"},
        "long": {"type": "number"},
        "address_string": {"type": "string"},
        "address_id": {"type": "string"},
        "email": {"type": "string"},
        "device_id": {"type": "string"},
        "account_id": {"type": "string"},
        "first_name": {"type": "string"},
        "last_name": {"type": "string"},
        "phone": {"type": "string"},
        "description": {"type": "string", "maxLength": 4000},
        "media_url": {"type": "string"},
    },
}


def schema() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    list_params = [
        _q("service_request_id", "逗号分隔；给出时忽略其他筛选条件"),
        _q("service_code", "逗号分隔"),
        _q("start_date", "W3C 日期时间，须带时区", type="string", format="date-time"),
        _q("end_date", "W3C 日期时间，须带时区", type="string", format="date-time"),
        _q("status", "open、closed 或二者逗号分隔"),
        _q("updated_after", type="string", format="date-time"),
        _q("updated_before", type="string", format="date-time"),
        _q("page", type="integer", minimum=1),
        _q("page_size", type="integer", minimum=1, maximum=1000),
        _q("extensions", type="string", enum=["true", "false"]),
    ]
    for fmt in ("json", "xml"):
        paths[f"/open311/discovery.{fmt}"] = _get(fmt, DISCOVERY, "discovery", [])
        paths[f"/open311/v2/services.{fmt}"] = _get(
            fmt, {"type": "array", "items": SERVICE}, "services", [], 404
        )
        paths[f"/open311/v2/services/{{service_code}}.{fmt}"] = _get(
            fmt, DEFINITION, "service_definition", [_p("service_code")], 400, 404
        )
        requests = _get(
            fmt, {"type": "array", "items": REQUEST}, "requests", list_params, 400, 404
        )
        requests["post"] = {
            "summary": "create request",
            "operationId": f"request_create_{fmt}",
            "parameters": [_q("api_key"), JURISDICTION],
            "requestBody": {
                "required": True,
                "content": {
                    "application/x-www-form-urlencoded": {"schema": POST_FORM},
                    "multipart/form-data": {"schema": POST_FORM},
                },
            },
            "responses": _responses(CREATED, fmt, 400, 403, 404, 422, 429),
        }
        paths[f"/open311/v2/requests.{fmt}"] = requests
        paths[f"/open311/v2/requests/{{service_request_id}}.{fmt}"] = _get(
            fmt,
            {"type": "array", "items": REQUEST, "minItems": 1, "maxItems": 1},
            "request",
            [_p("service_request_id"), _q("extensions")],
            400,
            404,
        )
        paths[f"/open311/v2/tokens/{{token}}.{fmt}"] = _get(
            fmt, CREATED, "token", [_p("token")], 400, 404
        )
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Jingmin Open311 GeoReport v2",
            "version": "2",
            "description": "http://wiki.open311.org/GeoReport_v2 — 格式由 URL 后缀决定。",
        },
        "paths": paths,
    }
