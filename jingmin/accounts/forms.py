from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user
from django_otp.forms import OTPAuthenticationForm


class StaffLoginForm(OTPAuthenticationForm):
    """Password for everyone; the TOTP code too once a staff member enrolled a device."""

    otp_error_messages = {
        **OTPAuthenticationForm.otp_error_messages,
        "token_required": _("请输入动态口令。"),
        "invalid_token": _("动态口令无效或已过期，请重试。"),
    }

    def _chosen_device(self, user):
        # The form offers no device picker: use the staff member's confirmed device.
        return super()._chosen_device(user) or next(
            iter(devices_for_user(user, confirmed=True)), None
        )

    def clean_otp(self, user):
        if user is None or not any(devices_for_user(user, confirmed=True)):
            return
        super().clean_otp(user)


def axes_username(request, credentials) -> str:
    """The user name axes records, cut to its column's length (a longer one typed at
    the log-in form must be a failed log-in, not a database error)."""
    name = (credentials or {}).get("username") or request.POST.get("username", "")
    return str(name)[:150]
