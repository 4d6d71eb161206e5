"""/api/v1/: each app contributes ``<app>/api_urls.py`` patterns (mounted here)."""

from importlib import import_module

from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)

APPS = ["appeals", "catalogue", "mediation", "hotspots", "org"]

urlpatterns = [
    path("schema", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"
    ),
    path(
        "redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"
    ),
]
for app in APPS:
    try:
        module = import_module(f"jingmin.{app}.api_urls")
    except ModuleNotFoundError as exc:
        if exc.name != f"jingmin.{app}.api_urls":
            raise
        continue
    urlpatterns.append(path("", include(module)))
