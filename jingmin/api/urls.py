"""/api/v1/: each app contributes ``<app>/api_urls.py`` patterns (mounted here)."""

from importlib import import_module

from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularRedocView,
    SpectacularSwaggerView,
)
from rest_framework.routers import SimpleRouter

from . import views

APPS = ["appeals", "catalogue", "mediation", "hotspots", "org"]

router = SimpleRouter()
router.register("units", views.UnitViewSet, basename="unit")
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("service-tokens", views.TokenViewSet, basename="service-token")
router.register("webhooks", views.WebhookViewSet, basename="webhook")

urlpatterns = [
    path("schema", SpectacularAPIView.as_view(), name="api-schema"),
    path(
        "docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"
    ),
    path(
        "redoc/", SpectacularRedocView.as_view(url_name="api-schema"), name="api-redoc"
    ),
    *router.urls,
]
for app in APPS:
    try:
        module = import_module(f"jingmin.{app}.api_urls")
    except ModuleNotFoundError as exc:
        if exc.name != f"jingmin.{app}.api_urls":
            raise
        continue
    urlpatterns.append(path("", include(module)))
