"""Mainland China mobile and landline numbers."""

import re

from django.utils.translation import gettext as _

from .exceptions import DomainError
from .text import normalize_text

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE_RE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def validate_phone(value: str, *, mobile_only: bool = False) -> str:
    """Return the number without spaces, a +86/0086 prefix or dashes between groups."""
    compact = re.sub(r"[\s()]", "", normalize_text(value))
    compact = re.sub(r"^(\+86|0086)-?", "", compact)
    digits_only = compact.replace("-", "")
    if MOBILE_RE.match(digits_only):
        return digits_only
    if not mobile_only and LANDLINE_RE.match(compact):
        return compact
    if mobile_only:
        raise DomainError(
            _("手机号码应为以1开头的11位数字"), code="phone_invalid", field="phone"
        )
    raise DomainError(
        _("电话号码无效：请填写11位手机号或带区号的固定电话"),
        code="phone_invalid",
        field="phone",
    )


def mask_phone(value: str) -> str:
    """138****5678."""
    if not value:
        return ""
    digits = value.replace("-", "")
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
