from django.urls import path

from . import views

app_name = "mediation"
urlpatterns = [
    path("", views.dispute_list, name="dispute_list"),
    path("new/", views.dispute_register, name="dispute_register"),
    path("<int:pk>/", views.dispute_detail, name="dispute_detail"),
    path("<int:pk>/edit/", views.dispute_edit, name="dispute_edit"),
    path("<int:pk>/report/", views.dispute_report, name="dispute_report"),
    path("<int:pk>/checklist/", views.dispute_checklist, name="dispute_checklist"),
    path("<int:pk>/override/", views.dispute_override, name="dispute_override"),
    path("<int:pk>/parties/", views.party_add, name="party_add"),
    path("<int:pk>/parties/reveal/", views.parties_reveal, name="parties_reveal"),
    path("<int:pk>/parties/<int:party_id>/flag/", views.party_flag, name="party_flag"),
    path("<int:pk>/sessions/new/", views.session_add, name="session_add"),
    path("<int:pk>/agreements/new/", views.agreement_add, name="agreement_add"),
    path(
        "<int:pk>/agreements/<int:agreement_id>/print/",
        views.agreement_print,
        name="agreement_print",
    ),
    path("<int:pk>/referral/", views.referral_add, name="referral_add"),
    path("<int:pk>/followups/", views.followup_add, name="followup_add"),
    path(
        "<int:pk>/followups/<int:followup_id>/done/",
        views.followup_done,
        name="followup_done",
    ),
    path("<int:pk>/close/", views.dispute_close, name="dispute_close"),
    path("<int:pk>/reopen/", views.dispute_reopen, name="dispute_reopen"),
    path("<int:pk>/escalate/", views.dispute_escalate, name="dispute_escalate"),
    path(
        "from-appeal/<int:appeal_id>/",
        views.dispute_from_appeal,
        name="dispute_from_appeal",
    ),
    path(
        "from-appeal/<int:appeal_id>/link/<int:pk>/",
        views.appeal_link,
        name="appeal_link",
    ),
    path("followups/", views.followups, name="followups"),
    path("warnings/", views.warnings, name="warnings"),
    path("stats/", views.stats, name="stats"),
    path("notifications/", views.notifications, name="notifications"),
    path("rules/", views.rules, name="rules"),
]
