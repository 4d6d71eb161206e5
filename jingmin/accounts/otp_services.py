"""Optional TOTP second factor for staff (ASVS 5.0 6.3.3, 等保 身份鉴别 d).

A member of staff starts enrolment (an unconfirmed device with a fresh secret),
proves possession by entering one code, and from then on the login asks for a
code. Turning it off needs a current code too, so a stolen session alone cannot.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from jingmin.audit.services import event_record
from jingmin.core.exceptions import DomainError

from .models import User


def otp_pending_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=False).first()


def otp_confirmed_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


@transaction.atomic
def otp_enrolment_start(*, user: User, request: Any = None) -> TOTPDevice:
    """A new secret each time: a key that was shown earlier may have been seen."""
    if otp_confirmed_device(user) is not None:
        raise DomainError(_("已启用双因素认证，如需更换请先停用"), code="otp_enabled")
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    device = TOTPDevice.objects.create(user=user, name="totp", confirmed=False)
    event_record(
        actor=user, action="account.otp_enrol_start", obj=user, request=request
    )
    return device


@transaction.atomic
def otp_enrolment_confirm(*, user: User, token: str, request: Any = None) -> TOTPDevice:
    device = (
        TOTPDevice.objects.select_for_update()
        .filter(user=user, confirmed=False)
        .first()
    )
    if device is None:
        raise DomainError(
            _("没有待确认的动态口令设备，请重新开始"), code="otp_no_pending"
        )
    if not device.verify_token(token.strip()):
        raise DomainError(
            _("动态口令不正确，请核对手机时间后重试"), code="otp_invalid", field="token"
        )
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    event_record(actor=user, action="account.otp_enable", obj=user, request=request)
    return device


@transaction.atomic
def otp_disable(*, user: User, token: str, request: Any = None) -> None:
    device = (
        TOTPDevice.objects.select_for_update().filter(user=user, confirmed=True).first()
    )
    if device is None:
        raise DomainError(_("尚未启用双因素认证"), code="otp_not_enabled")
    if not device.verify_token(token.strip()):
        raise DomainError(
            _("动态口令不正确，请核对手机时间后重试"), code="otp_invalid", field="token"
        )
    TOTPDevice.objects.filter(user=user).delete()
    event_record(actor=user, action="account.otp_disable", obj=user, request=request)
