from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "jingmin.accounts"
    label = "accounts"
    verbose_name = _("用户与角色")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from .backends import user_changed
        from .models import User

        # every process forgets a kept user it changes (ADR 132)
        post_save.connect(user_changed, sender=User, dispatch_uid="accounts-kept-user")
        post_delete.connect(
            user_changed, sender=User, dispatch_uid="accounts-kept-user-delete"
        )
