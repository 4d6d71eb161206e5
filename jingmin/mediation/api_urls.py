from django.urls import path

from .api import DisputeDetail, DisputeList, DisputeParties

urlpatterns = [
    path("mediation/disputes/", DisputeList.as_view(), name="mediation-dispute-list"),
    path(
        "mediation/disputes/<int:pk>/",
        DisputeDetail.as_view(),
        name="mediation-dispute-detail",
    ),
    path(
        "mediation/disputes/<int:pk>/parties/",
        DisputeParties.as_view(),
        name="mediation-dispute-parties",
    ),
]
