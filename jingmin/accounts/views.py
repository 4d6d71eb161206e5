from django.contrib.auth import views as auth_views

from .forms import StaffLoginForm


class LoginView(auth_views.LoginView):
    """Password, then a TOTP code for staff who enrolled a device (django-otp)."""

    template_name = "accounts/login.html"
    authentication_form = StaffLoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        # Django's LoginView adds ``site`` and ``site_name`` from the request's
        # host; they would hide the bureau's name the context processor gives.
        context = super().get_context_data(**kwargs)
        context.pop("site", None)
        context.pop("site_name", None)
        return context


class LogoutView(auth_views.LogoutView):
    pass
