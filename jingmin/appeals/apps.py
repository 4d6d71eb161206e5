from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppealsConfig(AppConfig):
    name = "jingmin.appeals"
    label = "appeals"
    verbose_name = _("诉求")

    def ready(self) -> None:
        from jingmin.core.dashboard import register_cards

        from .cards import appeal_cards

        register_cards(appeal_cards)
