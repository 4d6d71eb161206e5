"""Resident ID numbers (居民身份证号码, GB 11643) via python-stdnum."""

from django.utils.translation import gettext as _
from stdnum.cn import ric
from stdnum.exceptions import ValidationError as StdnumError

from .exceptions import DomainError
from .text import normalize_text


def validate_id_number(value: str) -> str:
    """Return the compact, upper-case ID number or raise DomainError naming the fault."""
    compact = normalize_text(value).replace(" ", "").upper()
    if len(compact) != 18:
        raise DomainError(
            _("身份证号码应为18位，实际为%(n)d位") % {"n": len(compact)},
            code="id_length",
        )
    try:
        return ric.validate(compact)
    except StdnumError as exc:
        name = type(exc).__name__
        if name == "InvalidChecksum":
            raise DomainError(_("身份证号码校验位错误"), code="id_checksum") from exc
        if name == "InvalidComponent":
            raise DomainError(
                _("身份证号码中的出生日期或地区码无效"), code="id_component"
            ) from exc
        raise DomainError(_("身份证号码格式无效"), code="id_format") from exc


def mask_id_number(value: str) -> str:
    """3301**********1234: keep the province/city prefix and the last four."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]
