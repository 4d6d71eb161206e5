"""GeoReport v2 views: parse → one selector or service → render in the URL's format.

Plain Django views rather than DRF (docs/decisions/050): the format comes only from
the suffix, errors must be the spec's list in that format, and third-party POSTs
must pass without CSRF or DRF's own error bodies getting in the way.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from jingmin.portal.pagecache import kept_value

from . import params, selectors
from .errors import ErrorItem, Open311Error, bad_request, not_found
from .intake import request_create
from .render import respond

SPEC = "http://wiki.open311.org/GeoReport_v2"
FORMATS = ["text/xml", "application/json"]
STATUSES = {"open", "closed"}


def endpoint(*methods: str) -> Callable:
    """Jurisdiction check, method check and spec-format errors for one resource."""

    def decorate(view: Callable) -> Callable:
        @csrf_exempt
        @functools.wraps(view)
        def wrapper(request: HttpRequest, fmt: str, **kwargs: Any) -> HttpResponse:
            try:
                if request.method not in methods:
                    raise Open311Error(
                        405,
                        ErrorItem(
                            405, _("不支持的请求方法：%(m)s") % {"m": request.method}
                        ),
                        headers={"Allow": ", ".join(methods)},
                    )
                if request.method == "GET":
                    params.check_jurisdiction(
                        params.value(request.GET, "jurisdiction_id")
                    )
                return view(request, fmt, **kwargs)
            except Open311Error as exc:
                response = respond(fmt, "errors", exc.as_list(), exc.status)
                for header, value in exc.headers.items():
                    response[header] = value
                return response
            except (RequestDataTooBig, TooManyFieldsSent):
                error = bad_request(_("请求体过大"), code=413)
                return respond(fmt, "errors", error.as_list(), 400)

        return wrapper

    return decorate


# -- discovery ------------------------------------------------------------------


def _discovery_doc(request: HttpRequest) -> dict[str, Any]:
    changeset = selectors.changeset()
    base = request.build_absolute_uri(reverse("open311:services", args=["xml"]))
    return {
        "changeset": changeset,
        "contact": getattr(settings, "OPEN311_CONTACT", "")
        or _("请联系县公安局指挥中心信息化组"),
        "key_service": getattr(settings, "OPEN311_KEY_SERVICE", "")
        or _("API 密钥由系统管理员在管理后台（Open311 客户端）签发"),
        "endpoints": [
            {
                "specification": SPEC,
                "url": base.rsplit("/services.xml", 1)[0] + "/",
                "changeset": changeset,
                "type": "production",
                "formats": FORMATS,
            }
        ],
    }


@endpoint("GET")
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    return respond(fmt, "discovery", _discovery_doc(request))


def discovery_page(request: HttpRequest) -> HttpResponse:
    """The human-readable discovery the spec recommends at the bare URL."""
    return render(
        request,
        "open311/discovery.html",
        {
            "doc": _discovery_doc(request),
            "services": selectors.services_list(),
            "jurisdiction_id": params.jurisdiction_id(),
        },
    )


# -- services -------------------------------------------------------------------


@endpoint("GET")
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    return respond(fmt, "services", selectors.services_list())


@endpoint("GET")
def service_definition(request: HttpRequest, fmt: str, code: str) -> HttpResponse:
    category = selectors.service_get(code)
    if category is None:
        raise not_found(_("未知的 service_code：%(code)s") % {"code": code[:60]})
    return respond(fmt, "service_definition", selectors.service_definition(category))


# -- requests -------------------------------------------------------------------


@endpoint("GET", "POST")
def requests_collection(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        status, body = request_create(request)
        return respond(fmt, "service_requests", body, status)
    query = _request_query(request)
    extensions = params.value(request.GET, "extensions").lower() == "true"
    # The same for every client (no personal data in any GET): kept per query,
    # format and language under the requests stamp (docs/decisions/092).
    key = (
        "open311:requests:"
        + hashlib.sha256(
            repr((fmt, get_language(), extensions, query)).encode()
        ).hexdigest()[:32]
    )

    def build() -> tuple[bytes, str]:
        appeals = selectors.requests_search(query, extensions=extensions)
        response = respond(
            fmt,
            "service_requests",
            [selectors.request_dict(a, extensions=extensions) for a in appeals],
        )
        return response.content, response["Content-Type"]

    content, content_type = kept_value(
        key, selectors.STAMP_KEY, build, selectors.KEEP_SECONDS
    )
    return HttpResponse(content, content_type=content_type)


def _request_query(request: HttpRequest) -> selectors.RequestQuery:
    data = request.GET
    start = params.w3c_datetime(data, "start_date")
    end = params.w3c_datetime(data, "end_date")
    if start and end:
        if start > end:
            raise bad_request(_("start_date 不能晚于 end_date"))
        if end - start > selectors.MAX_SPAN:
            raise bad_request(_("start_date 与 end_date 的间隔不能超过 90 天"))
    statuses = params.comma_list(data, "status")
    unknown = [s for s in statuses if s.lower() not in STATUSES]
    if unknown:
        raise bad_request(
            _("status 只能是 open 或 closed，收到：%(v)s")
            % {"v": ",".join(unknown)[:60]}
        )
    ids = params.comma_list(data, "service_request_id")
    codes = params.comma_list(data, "service_code")
    if len(ids) > selectors.MAX_RESULTS or len(codes) > selectors.MAX_RESULTS:
        raise bad_request(_("一次最多查询 1000 个编号或服务"))
    return selectors.RequestQuery(
        ids=tuple(ids),
        service_codes=tuple(codes),
        start=start,
        end=end,
        statuses=tuple(sorted({s.lower() for s in statuses})),
        updated_after=params.w3c_datetime(data, "updated_after"),
        updated_before=params.w3c_datetime(data, "updated_before"),
        page=params.positive_int(data, "page", 1, 1_000_000),
        page_size=params.positive_int(
            data, "page_size", selectors.DEFAULT_PAGE_SIZE, selectors.MAX_RESULTS
        ),
    )


@endpoint("GET")
def request_detail(request: HttpRequest, fmt: str, number: str) -> HttpResponse:
    extensions = params.value(request.GET, "extensions").lower() == "true"
    appeal = selectors.request_get(number, extensions=extensions)
    if appeal is None:
        raise not_found(_("未知的 service_request_id：%(id)s") % {"id": number[:40]})
    return respond(
        fmt, "service_requests", [selectors.request_dict(appeal, extensions=extensions)]
    )


@endpoint("GET")
def token_detail(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    # Every service is realtime: POST answers with the id, so no token ever exists.
    raise not_found(_("未知的 token：%(t)s") % {"t": token[:40]})


# -- the rest ---------------------------------------------------------------------


def openapi(request: HttpRequest) -> JsonResponse:
    from .openapi import schema

    return JsonResponse(schema(), json_dumps_params={"ensure_ascii": False})


@csrf_exempt
def unknown(request: HttpRequest) -> HttpResponse:
    """Unknown resource or suffix: 404, in XML (the spec's required format)."""
    error = not_found(_("没有这个资源：%(path)s") % {"path": request.path[:120]})
    return respond("xml", "errors", error.as_list(), 404)
