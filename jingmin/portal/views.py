from django.conf import settings
from django.http import HttpRequest, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

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


LANGUAGES = {code for code, _name in settings.LANGUAGES}


def _safe_next(request: HttpRequest, url: str | None) -> str | None:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return None


@never_cache
@require_GET
def language(request: HttpRequest) -> HttpResponseRedirect:
    """The header's language switch: a link (GET), not a form to protect.

    It sets only the display-language cookie and sends the visitor back to
    ``next`` (a path of this site; anything else goes to the home page). Changing
    the display language changes no data, so it needs no CSRF token, and a public
    page kept rendered (portal/pagecache.py) then carries none (docs/decisions/121).
    Django's POST ``set_language`` stays as it was.
    """
    back = (
        _safe_next(request, request.GET.get("next"))
        or _safe_next(request, request.META.get("HTTP_REFERER"))
        or "/"
    )
    response = HttpResponseRedirect(back)
    chosen = request.GET.get("language", "")
    if chosen in LANGUAGES:
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            chosen,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    return render(request, "500.html", status=500)
