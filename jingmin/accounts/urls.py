from django.urls import path

from . import otp_views, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("otp/", otp_views.otp_setup, name="otp_setup"),
    path("otp/disable/", otp_views.otp_disable, name="otp_disable"),
]
