from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class Open311Config(AppConfig):
    name = "jingmin.open311"
    label = "open311"
    verbose_name = _("Open311")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from jingmin.appeals.models import Appeal, AppealEvent, Category, Reply
        from jingmin.org.models import Department, Unit

        from .models import Submission
        from .selectors import requests_changed

        # Whatever a GET of requests shows: a change drops the kept answers
        # (docs/decisions/092).
        models = (Appeal, AppealEvent, Reply, Category, Department, Unit, Submission)
        for model in models:
            for event, signal in (("save", post_save), ("delete", post_delete)):
                signal.connect(
                    requests_changed,
                    sender=model,
                    dispatch_uid=f"open311.requests.{model.__name__}.{event}",
                )
