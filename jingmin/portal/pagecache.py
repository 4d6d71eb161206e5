"""Public pages that are the same for every anonymous visitor, kept rendered.

A kept page is a *shell*: the whole HTML of a page rendered for an anonymous
visitor without a session, with the per-response values cut out — the CSP nonce
and any CSRF token — and replaced on every answer by this visitor's own
(docs/decisions/091). Since the header's language switch became a link
(decision 121) the public pages carry no token, so serving their shell makes
none and sets no CSRF cookie. A kept page never replays a nonce or another
visitor's token, and a visitor who is logged in, has a session
(a tracked appeal, a message waiting) or sends an unusual query string gets the
page rendered for them as before.

A shell is kept in the cache under its page name, the language and a key the
view chooses, together with the *stamp* it was made under: a value in the cache
that the owner of the data replaces when the data changes (``stamp_bump``), so
every shell made before is ignored from then on. Shells also expire after
``seconds`` for what no stamp follows (statistics shown on the page).

When the cache is shared (Redis), each process also keeps the shells it served
and trusts its copy of a stamp for ``LOCAL_SECONDS``: a kept page is then
answered without a round trip, and a change made in another process shows within
that time (at once in the process that made it; docs/decisions/124).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import cache, caches
from django.core.cache.backends.locmem import LocMemCache
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils.translation import get_language

CSRF_INPUT = re.compile(r'(name="csrfmiddlewaretoken" value=")([^"]+)(")')
DEFAULT_SECONDS = 600
LOCAL_SECONDS = 2.0  # a process trusts its copy of a stamp this long (shared cache)
LOCAL_PAGES = 256  # shells a process keeps beside the shared cache


class _Local:
    """This process's copies: stamps (until a monotonic time) and shells (LRU)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.stamps: dict[str, tuple[float, str]] = {}
        self.pages: OrderedDict[str, tuple] = OrderedDict()

    def stamp(self, stamp_key: str) -> str | None:
        kept = self.stamps.get(stamp_key)
        if kept is not None and kept[0] > time.monotonic():
            return kept[1]
        return None

    def keep_stamp(self, stamp_key: str, stamp: str) -> None:
        self.stamps[stamp_key] = (time.monotonic() + LOCAL_SECONDS, stamp)

    def page(self, page_key: str) -> tuple | None:
        with self.lock:
            entry = self.pages.get(page_key)
            if entry is not None:
                self.pages.move_to_end(page_key)
            return entry

    def keep_page(self, page_key: str, entry: tuple) -> None:
        with self.lock:
            self.pages[page_key] = entry
            self.pages.move_to_end(page_key)
            while len(self.pages) > LOCAL_PAGES:
                self.pages.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.stamps.clear()
            self.pages.clear()


_local = _Local()


def _shared() -> bool:
    """Whether the cache is shared between processes (else it is this process's
    own and needs no copy in front of it)."""
    return not isinstance(caches["default"], LocMemCache)


def stamp_get(stamp_key: str) -> str:
    """The current stamp (a new one when the cache has lost it)."""
    stamp = cache.get(stamp_key)
    if stamp is None:
        stamp = secrets.token_hex(8)
        cache.add(stamp_key, stamp, None)
        stamp = cache.get(stamp_key) or stamp
    return stamp


def stamp_bump(stamp_key: str) -> None:
    """Invalidate everything kept under ``stamp_key``, once the transaction commits
    (a page rendered between the change and the commit would keep the old data)."""

    def bump() -> None:
        _local.stamps.pop(stamp_key, None)
        cache.set(stamp_key, secrets.token_hex(8), None)

    bump()
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        # one bump at commit per atomic block is enough (an appeal's submission
        # saves several rows)
        here = set(connection.savepoint_ids)
        for sids, func, _robust in connection.run_on_commit:
            if getattr(func, "stamp_key", None) == stamp_key and sids == here:
                return
    bump.stamp_key = stamp_key  # type: ignore[attr-defined]
    transaction.on_commit(bump)


def kept_value(
    key: str, stamp_key: str, build: Callable[[], object], seconds: int
) -> object:
    """A value kept in the cache under ``stamp_key`` (built again once the stamp has
    moved); with a shared cache this process's copy answers for LOCAL_SECONDS
    first, as for kept pages (docs/decisions/124)."""
    shared = _shared()
    if shared:
        stamp = _local.stamp(stamp_key)
        entry = _local.page(key) if stamp is not None else None
        if entry is not None and entry[0] == stamp:
            return entry[1]
    found = cache.get_many([stamp_key, key])
    stamp, entry = found.get(stamp_key), found.get(key)
    if shared and stamp is not None:
        _local.keep_stamp(stamp_key, stamp)
    if stamp is not None and entry is not None and entry[0] == stamp:
        if shared:
            _local.keep_page(key, entry)
        return entry[1]
    entry = (stamp or stamp_get(stamp_key), build())
    cache.set(key, entry, seconds)
    if shared:
        _local.keep_stamp(stamp_key, entry[0])
        _local.keep_page(key, entry)
    return entry[1]


def anonymous_plain(request: HttpRequest) -> bool:
    """A GET from a visitor without a session or waiting messages: the page can
    only differ from another such visitor's by the nonce and the CSRF token."""
    return (
        request.method == "GET"
        and settings.SESSION_COOKIE_NAME not in request.COOKIES
        and CookieStorage.cookie_name not in request.COOKIES
    )


def _cache_key(name: str, key: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"page:{name}:{get_language()}:{digest}"


def cached_page(
    request: HttpRequest,
    *,
    name: str,
    key: str,
    stamp_key: str,
    render: Callable[[], HttpResponse],
    seconds: int = DEFAULT_SECONDS,
) -> HttpResponse:
    """The page from its kept shell, or ``render()`` (kept when it may be)."""
    if not anonymous_plain(request):
        return render()
    page_key = _cache_key(name, key)
    shared = _shared()
    if shared:
        stamp = _local.stamp(stamp_key)
        entry = _local.page(page_key) if stamp is not None else None
        if _fresh(entry, stamp):
            return _from_shell(request, entry)
    found = cache.get_many([stamp_key, page_key])
    stamp = found.get(stamp_key)
    entry = found.get(page_key)
    if shared and stamp is not None:
        _local.keep_stamp(stamp_key, stamp)
    if _fresh(entry, stamp):
        if shared:
            _local.keep_page(page_key, entry)
        return _from_shell(request, entry)
    if stamp is None:
        stamp = stamp_get(stamp_key)
    response = render()
    shell = _shell(request, response)
    if shell is not None:
        entry = (stamp, *shell, time.time() + seconds)
        cache.set(page_key, entry, seconds)
        if shared:
            _local.keep_page(page_key, entry)
    return response


def _fresh(entry: tuple | None, stamp: str | None) -> bool:
    """A shell made under the current stamp and not past its time."""
    return (
        entry is not None
        and stamp is not None
        and len(entry) == 6
        and entry[0] == stamp
        and entry[5] > time.time()
    )


def _shell(request: HttpRequest, response: HttpResponse) -> tuple | None:
    """(html bytes with marks, content type, nonce mark, CSRF mark), or None when
    this response must not be kept. A mark is None when the page has no such value
    (the header's language switch carries no CSRF token, decision 121), so serving
    the shell does not look for it nor make a token."""
    if (
        response.status_code != 200
        or response.streaming
        or response.cookies
        or not response.get("Content-Type", "").startswith("text/html")
        or getattr(getattr(request, "session", None), "modified", False)
        or getattr(getattr(request, "user", None), "is_authenticated", False)
    ):
        return None
    html = response.content.decode(response.charset)
    nonce_mark: str | None = f"jm-nonce-{secrets.token_hex(12)}"
    csrf_mark: str | None = f"jm-csrf-{secrets.token_hex(12)}"
    nonce = getattr(request, "_csp_nonce", None)
    if isinstance(nonce, str) and nonce and nonce in html:
        html = html.replace(nonce, nonce_mark)
    else:
        nonce_mark = None
    html, tokens = CSRF_INPUT.subn(lambda m: m.group(1) + csrf_mark + m.group(3), html)
    if not tokens:
        csrf_mark = None
    return (
        html.encode(response.charset),
        response["Content-Type"],
        nonce_mark,
        csrf_mark,
    )


def _from_shell(request: HttpRequest, entry: tuple) -> HttpResponse:
    _stamp, html, content_type, nonce_mark, csrf_mark, _expires = entry
    if nonce_mark is not None:
        html = html.replace(nonce_mark.encode(), str(request.csp_nonce).encode())
    if csrf_mark is not None:
        html = html.replace(csrf_mark.encode(), get_token(request).encode())
    return HttpResponse(html, content_type=content_type)
