from django.contrib.auth import views as auth_views
from django_otp.forms import OTPAuthenticationForm


class LoginView(auth_views.LoginView):
    """Password, then a TOTP code for staff who enrolled a device (django-otp)."""

    template_name = "accounts/login.html"
    authentication_form = OTPAuthenticationForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass
