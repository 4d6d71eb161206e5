from django.urls import path

from .views import console, public

app_name = "appeals"
urlpatterns = [
    path("", public.submit, name="submit"),
    path("submitted/", public.submitted, name="submitted"),
    path("track/", public.track, name="track"),
    path("track/rate/", public.rate, name="rate"),
    path("track/info/", public.provide_info, name="provide_info"),
    path("results/", public.public_results, name="public_results"),
    path("console/", console.console_list, name="console_list"),
    path("console/triage/", console.triage, name="triage"),
    path("console/intake/", console.intake, name="intake"),
    path("console/dashboard/", console.dashboard, name="dashboard"),
    path("console/dashboard/publish/", console.publish, name="publish"),
    path("console/problems/", console.problem, name="problem"),
    path("console/<int:pk>/", console.detail, name="console_detail"),
    path("console/<int:pk>/contact/", console.reveal_contact, name="reveal_contact"),
    path("console/<int:pk>/act/<slug:action>/", console.act, name="act"),
    path("console/attachments/<int:pk>/", console.attachment, name="attachment"),
]
