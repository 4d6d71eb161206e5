from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogueConfig(AppConfig):
    name = "jingmin.catalogue"
    label = "catalogue"
    verbose_name = _("警务公开")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from jingmin.core.dashboard import register_cards
        from jingmin.org.models import Bureau, Department

        from .cards import cards
        from .models import GuideVersion, ServiceGuide
        from .selectors import catalogue_changed

        register_cards(cards)
        # What the kept public pages show (docs/decisions/091): a guide, its
        # versions, the department that handles it, the bureau in the footer.
        for model in (ServiceGuide, GuideVersion, Department, Bureau):
            for event, signal in (("save", post_save), ("delete", post_delete)):
                signal.connect(
                    catalogue_changed,
                    sender=model,
                    dispatch_uid=f"catalogue.changed.{model.__name__}.{event}",
                )
