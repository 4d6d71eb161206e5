from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "jingmin.core"
    label = "core"
    verbose_name = _("核心")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from . import checks  # noqa: F401
        from .calendar import clear_cache
        from .models import CalendarDay

        # Invalidate the in-process calendar cache when an administrator edits a day.
        post_save.connect(lambda **kw: clear_cache(), sender=CalendarDay, weak=False)
        post_delete.connect(lambda **kw: clear_cache(), sender=CalendarDay, weak=False)
