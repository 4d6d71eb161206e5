from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "jingmin.catalogue"
    label = "catalogue"
    verbose_name = _("警务公开")

    def ready(self) -> None:
        from jingmin.core.dashboard import register_cards

        from .cards import cards

        register_cards(cards)
