"""GeoReport v2 routes: the format is the URL suffix, never the Accept header.

``services/{code}`` and ``service/{code}`` both work, a doubled slash before a
resource is tolerated, and anything else under v2/ is a 404 in the spec's XML.
"""

from django.urls import path, re_path

from . import views

app_name = "open311"

FMT = r"\.(?P<fmt>xml|json)$"
ID = r"(?P<{}>[^/]+?)"

urlpatterns = [
    path("", views.discovery_page, name="discovery_page"),
    path("discovery", views.discovery_page),
    re_path(r"^discovery" + FMT, views.discovery, name="discovery"),
    re_path(r"^v2/+services" + FMT, views.services, name="services"),
    re_path(
        r"^v2/+services?/" + ID.format("code") + FMT,
        views.service_definition,
        name="service_definition",
    ),
    re_path(r"^v2/+requests" + FMT, views.requests_collection, name="requests"),
    re_path(
        r"^v2/+requests/" + ID.format("number") + FMT,
        views.request_detail,
        name="request_detail",
    ),
    re_path(
        r"^v2/+tokens/" + ID.format("token") + FMT, views.token_detail, name="token"
    ),
    path("v2/openapi.json", views.openapi, name="openapi"),
    re_path(r"^v2/.*$", views.unknown),
]
