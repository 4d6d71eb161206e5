from django_otp import devices_for_user
from django_otp.forms import OTPAuthenticationForm


class StaffLoginForm(OTPAuthenticationForm):
    """Password for everyone; the TOTP code too once a staff member enrolled a device."""

    def clean_otp(self, user):
        if user is None or not any(devices_for_user(user, confirmed=True)):
            return
        super().clean_otp(user)
