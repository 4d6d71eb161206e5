"""Mounted under /api/v1/ by jingmin/api/urls.py. No trailing slashes."""

from django.urls import path

from . import apis

urlpatterns = [
    path("appeals", apis.AppealCollection.as_view(), name="api-appeals"),
    path(
        "appeals/categories", apis.CategoryList.as_view(), name="api-appeal-categories"
    ),
    path("appeals/metrics", apis.Metrics.as_view(), name="api-appeal-metrics"),
    path(
        "appeals/track",
        apis.AppealTrackLookup.as_view(),
        name="api-appeal-track-lookup",
    ),
    path(  # deprecated: the code in the URL (ASVS 14.2.1); use POST appeals/track
        "appeals/track/<str:tracking_code>",
        apis.AppealTrack.as_view(),
        name="api-appeal-track",
    ),
    path("appeals/<int:pk>", apis.AppealDetail.as_view(), name="api-appeal-detail"),
    path(
        "appeals/<int:pk>/<slug:action>",
        apis.AppealAction.as_view(),
        name="api-appeal-action",
    ),
]
