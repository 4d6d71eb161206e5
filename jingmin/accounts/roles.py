"""The staff roles of DESIGN.md. Citizens have no account."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OPERATOR = "operator", _("接线员")
    OFFICER = "officer", _("民警")
    LEADER = "leader", _("所领导")
    SUPERVISOR = "supervisor", _("指挥中心/督察")
    LIAISON = "liaison", _("部门联络员")
    ANALYST = "analyst", _("情报分析员")
    ADMIN = "admin", _("系统管理员")
    AUDITOR = "auditor", _("审计管理员")


UNIT_ROLES = frozenset({Role.OFFICER, Role.LEADER})
"""Roles whose work is limited to their own unit."""

PERSONAL_DATA_ROLES = frozenset(
    {Role.OPERATOR, Role.OFFICER, Role.LEADER, Role.SUPERVISOR}
)
"""Roles that may see a citizen's personal data unmasked (each read is audited)."""
