from django.conf import settings

from jingmin.accounts.scoping import is_staff_member
from jingmin.org.models import Bureau

from .nav import console_nav, public_nav


def site(request):
    bureau = (
        Bureau.objects.only("name", "phone").first() if request is not None else None
    )
    user = getattr(request, "user", None)
    staff = is_staff_member(user)
    return {
        "bureau": bureau,
        "site_name": (bureau.name if bureau else settings.JINGMIN_BUREAU_NAME)
        or "警民通",
        "public_nav": public_nav(),
        "console_nav": console_nav(user.role) if staff else [],
        "is_staff_member": staff,
    }
