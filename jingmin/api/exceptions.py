"""One error body for the REST API: {"error": {"code", "message", "field"}}."""

from django.http import Http404
from rest_framework.exceptions import NotFound
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from jingmin.core.exceptions import DomainError


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body = {
            "error": {"code": exc.code, "message": str(exc.message), "field": exc.field}
        }
        return Response(body, status=exc.status)
    if isinstance(exc, Http404):
        # get_object_or_404 says "No Dispute matches the given query." in English
        # whatever the language: the client gets the translated "not found".
        exc = NotFound()
    response = drf_exception_handler(exc, context)
    if response is not None and not (
        isinstance(response.data, dict) and "error" in response.data
    ):
        code = getattr(exc, "default_code", "invalid")
        detail = (
            response.data.get("detail") if isinstance(response.data, dict) else None
        )
        response.data = {
            "error": {
                "code": getattr(detail, "code", code),
                "message": str(detail or ""),
                "fields": None if detail else response.data,
            }
        }
    return response
