from django.contrib.auth import views as auth_views

from .forms import StaffLoginForm


class LoginView(auth_views.LoginView):
    """Password, then a TOTP code for staff who enrolled a device (django-otp)."""

    template_name = "accounts/login.html"
    authentication_form = StaffLoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass
