from django.urls import path

from . import console_views, views

app_name = "catalogue"
urlpatterns = [
    path("", views.guide_list, name="guide_list"),
    path("feed.atom", views.ChangesFeed(), name="feed"),
    path("open-data.json", views.open_data_json, name="open_data_json"),
    path("open-data.csv", views.open_data_csv, name="open_data_csv"),
    path("disclosure/", views.disclosure, name="disclosure"),
    path("promises/", views.promise_stats, name="promise_stats"),
    path("appointments/", views.appointment_book, name="appointment_book"),
    path(
        "appointments/cancel/",
        views.appointment_cancel_view,
        name="appointment_cancel",
    ),
    path("console/", console_views.console, name="console"),
    path("console/new/", console_views.guide_edit, name="console_guide_new"),
    path(
        "console/guides/<slug:code>/",
        console_views.guide_edit,
        name="console_guide_edit",
    ),
    path(
        "console/applications/new/",
        console_views.application_new,
        name="console_application_new",
    ),
    path(
        "console/applications/import/",
        console_views.application_import,
        name="console_application_import",
    ),
    path(
        "console/promises/",
        console_views.promise_stats,
        name="console_promise_stats",
    ),
    path("console/slots/", console_views.slots_open, name="console_slots"),
    path(
        "console/appointments/",
        console_views.appointments_day,
        name="console_appointments",
    ),
    path("g/<slug:code>/", views.guide_detail, name="guide_detail"),
    path("g/<slug:code>/history/", views.guide_history, name="guide_history"),
    path("g/<slug:code>/diff/", views.guide_diff, name="guide_diff"),
    path("g/<slug:code>/v<int:number>/", views.guide_detail, name="guide_version"),
]
