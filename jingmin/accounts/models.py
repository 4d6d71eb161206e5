from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from .roles import Role


class User(AbstractUser):
    """A staff account. ``unit`` scopes officers and leaders; ``department`` scopes liaisons."""

    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("单位"),
    )
    department = models.ForeignKey(
        "org.Department",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="liaisons",
        verbose_name=_("部门"),
    )
    display_name = models.CharField(_("姓名"), max_length=60, blank=True)
    police_number = models.CharField(_("警号"), max_length=20, blank=True)
    is_service_account = models.BooleanField(_("服务账号"), default=False)

    class Meta:
        verbose_name = _("工作人员")
        verbose_name_plural = _("工作人员")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="liaison")
                | models.Q(department__isnull=False),
                name="liaison_has_department",
            ),
            models.CheckConstraint(
                condition=~models.Q(role__in=["officer", "leader"])
                | models.Q(unit__isnull=False),
                name="unit_role_has_unit",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    def get_session_auth_hash(self) -> str:
        """The session hash kept with a user rebuilt from the cache without the
        password hash (accounts.backends, ADR 132); computed as Django does
        otherwise (and whenever the password has been loaded or set)."""
        kept = self.__dict__.get("_kept_session_hash")
        if kept is not None and "password" not in self.__dict__:
            return kept
        return super().get_session_auth_hash()

    @property
    def role_label(self) -> str:
        return Role(self.role).label if self.role else ""
