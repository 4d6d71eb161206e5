from django.urls import path

from .api import DisputeDetail, DisputeList

urlpatterns = [
    path("mediation/disputes/", DisputeList.as_view(), name="mediation-dispute-list"),
    path(
        "mediation/disputes/<int:pk>/",
        DisputeDetail.as_view(),
        name="mediation-dispute-detail",
    ),
]
