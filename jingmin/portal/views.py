from django.shortcuts import render

from jingmin.accounts.decorators import staff_required
from jingmin.accounts.roles import Role
from jingmin.core.calendar import year_is_known
from jingmin.core.dashboard import console_cards


def home(request):
    return render(request, "portal/home.html")


@staff_required()
def console(request):
    from django.utils import timezone

    today = timezone.localdate()
    year = today.year + 1 if today.month >= 11 else today.year
    calendar_missing = request.user.role in {
        Role.ADMIN,
        Role.SUPERVISOR,
    } and not year_is_known(year)
    return render(
        request,
        "portal/console.html",
        {
            "cards": console_cards(request.user),
            "calendar_missing_year": year if calendar_missing else None,
        },
    )


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    return render(request, "500.html", status=500)
