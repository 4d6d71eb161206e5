from django.db import models
from django.utils.translation import gettext_lazy as _


class CalendarDay(models.Model):
    """An administrator's entry for a day the calendar library does not know (yet)
    or gets wrong: the State Council publishes next year's holidays each November."""

    date = models.DateField(_("日期"), unique=True)
    is_workday = models.BooleanField(_("是否工作日"))
    name = models.CharField(
        _("说明"), max_length=60, blank=True, help_text=_("例如：春节、调休上班")
    )

    class Meta:
        ordering = ["date"]
        verbose_name = _("节假日调整")
        verbose_name_plural = _("节假日调整")

    def __str__(self) -> str:
        kind = _("工作日") if self.is_workday else _("休息日")
        return f"{self.date} {kind} {self.name}"
