from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MediationConfig(AppConfig):
    name = "jingmin.mediation"
    label = "mediation"
    verbose_name = _("矛盾纠纷")

    def ready(self) -> None:
        from jingmin.core.dashboard import register_cards

        from .cards import console_cards

        register_cards(console_cards)
