from csp.constants import HEADER
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


class ChineseFirstLocaleMiddleware:
    """zh-Hans unless the visitor chose another language with the switch (cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, so an
    English-language browser on a police intranet would get a half-translated
    page; the bureau wants Chinese by default and English on request.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ["Cookie"])
        response.headers.setdefault("Content-Language", language)
        return response


class PolicyOnceCSPMiddleware(CSPMiddleware):
    """django-csp's middleware with the policy text built once, not per answer.

    django-csp rebuilds the header from the settings on every response (twice:
    the policy and the report-only one), which cost as much as a kept public page's
    own work (docs/decisions/122). Here the policy is built once per settings
    object with a mark where the nonce goes; an answer gets that text with its own
    nonce put in (the nonce is still made per answer, and only when the page used
    one). A response with per-view changes (``csp_update``/``csp_replace``/
    ``csp_exempt`` decorators) or a report-only policy takes django-csp's own path.
    """

    PER_VIEW = (
        "_csp_config",
        "_csp_update",
        "_csp_replace",
        "_csp_config_ro",
        "_csp_update_ro",
        "_csp_replace_ro",
        "_csp_exempt",
        "_csp_exempt_ro",
    )
    MARK = "jm-csp-nonce-mark"
    _built: tuple[object, str, str, str, tuple[str, ...]] | None = None

    def _policy(self) -> tuple[str, str, str, tuple[str, ...]]:
        """(policy without nonce, text before the nonce, text after, excluded
        prefixes) for the current settings (rebuilt when the settings change)."""
        config = getattr(settings, "CONTENT_SECURITY_POLICY", None)
        built = self._built
        if built is None or built[0] is not config:
            with_mark = build_policy(nonce=self.MARK)
            before, found, after = with_mark.partition(self.MARK)
            if not found:  # the policy names no nonce: every answer gets the same
                before = after = ""
            prefixes = tuple((config or {}).get("EXCLUDE_URL_PREFIXES") or ())
            built = (config, build_policy(), before, after, prefixes)
            self._built = built
        return built[1], built[2], built[3], built[4]

    def process_response(self, request, response):
        if getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None) or any(
            hasattr(response, name) for name in self.PER_VIEW
        ):
            return super().process_response(request, response)
        if settings.DEBUG and response.status_code in (500, 404):
            return response  # the debug pages, as django-csp does
        plain, before, after, excluded = self._policy()
        nonce = getattr(request, "_csp_nonce", None)
        if (
            plain
            and HEADER not in response
            and not request.path_info.startswith(excluded)
        ):
            if isinstance(nonce, str) and before:
                response[HEADER] = before + nonce + after
            else:
                response[HEADER] = plain
        if nonce is None:
            # as django-csp: a nonce asked for after the header is written is an error
            request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response
