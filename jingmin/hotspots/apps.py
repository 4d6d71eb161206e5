from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HotspotsConfig(AppConfig):
    name = "jingmin.hotspots"
    label = "hotspots"
    verbose_name = _("治安热点")

    def ready(self) -> None:
        from jingmin.core.dashboard import register_cards

        from .cards import cards

        register_cards(cards)
