from django.urls import path

from . import views

app_name = "hotspots"
urlpatterns = [
    path("", views.public_map, name="public_map"),
    path("cells.json", views.public_cells, name="public_cells"),
    path("tips.json", views.public_tips, name="public_tips"),
    path("outlines.json", views.outlines, name="outlines"),
    path("console/", views.console, name="console"),
    path("console/incidents/", views.incident_list, name="incident_list"),
    path("console/analyses/new/", views.analysis_new, name="analysis_new"),
    path("console/analyses/<int:pk>/", views.analysis_detail, name="analysis_detail"),
    path(
        "console/analyses/<int:pk>/status.json",
        views.analysis_status,
        name="analysis_status",
    ),
    path(
        "console/analyses/<int:pk>/cells.geojson",
        views.analysis_cells,
        name="analysis_cells",
    ),
    path(
        "console/analyses/<int:pk>/export.<slug:fmt>",
        views.analysis_export,
        name="analysis_export",
    ),
    path(
        "console/analyses/<int:pk>/rerun/", views.analysis_rerun, name="analysis_rerun"
    ),
    path("console/campaigns/new/", views.campaign_new, name="campaign_new"),
    path("console/campaigns/<int:pk>/", views.campaign_detail, name="campaign_detail"),
    path(
        "console/campaigns/<int:pk>/area.json",
        views.campaign_area,
        name="campaign_area",
    ),
    path(
        "console/campaigns/<int:pk>/evaluate/",
        views.campaign_evaluate,
        name="campaign_evaluate",
    ),
]
