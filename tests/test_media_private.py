"""Uploaded evidence (MEDIA_ROOT) is never served unauthenticated: no URL maps onto
the media directory, not even with DEBUG, and WhiteNoise serves static files only.
Files go out through views that check the viewer's scope (docs/security.md §4)."""

from __future__ import annotations

import importlib
import io
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import URLPattern, URLResolver, clear_url_caches, get_resolver
from django.views import static
from PIL import Image

from jingmin.appeals.models import Appeal
from jingmin.appeals.services import AppealInput, appeal_submit
from jingmin.appeals.tests.factories import IN_A, make_categories
from jingmin.core.uploads import image_clean


def jpeg() -> io.BytesIO:
    buf = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buf, "JPEG")
    buf.seek(0)
    return buf


@pytest.fixture
def photo(county):
    cats = make_categories(county)
    appeal = appeal_submit(
        data=AppealInput(
            kind=Appeal.Kind.COMPLAINT,
            body="门口堆放杂物堵塞消防通道，见照片",
            phone="13812345678",
            lon=IN_A[0],
            lat=IN_A[1],
            category=cats.order,
        ),
        photos=[image_clean(jpeg(), label="photo")],
    ).appeal
    item = appeal.attachments.get()
    assert (Path(django_settings.MEDIA_ROOT) / item.file.name).exists()
    return item


def _patterns(resolver, prefix: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry.callback


def test_the_raw_media_path_is_404_for_everyone(photo, client, client_for, county):
    raw = f"{django_settings.MEDIA_URL}{photo.file.name}"
    assert client.get(raw).status_code == 404
    assert client_for(county["supervisor"]).get(raw).status_code == 404


def test_evidence_goes_out_only_through_the_scoped_view(
    photo, client, client_for, county
):
    url = f"/appeals/console/attachments/{photo.pk}/"
    anonymous = client.get(url)
    assert anonymous.status_code in (302, 403, 404)
    assert b"\xff\xd8" not in b"".join(getattr(anonymous, "streaming_content", [b""]))
    assert client_for(county["officer_b"]).get(url).status_code == 404  # other station
    allowed = client_for(county["supervisor"]).get(url)
    assert allowed.status_code == 200
    assert b"".join(allowed.streaming_content).startswith(b"\xff\xd8")


def test_no_url_serves_a_directory_even_with_debug(settings):
    """jingmin/urls.py once added static(MEDIA_URL) under DEBUG; reload it with DEBUG on."""
    import jingmin.urls

    settings.DEBUG = True
    try:
        importlib.reload(jingmin.urls)
        clear_url_caches()
        patterns = list(_patterns(get_resolver()))
        served = [p for p, view in patterns if view is static.serve]
        assert served == []
        media = django_settings.MEDIA_URL.lstrip("/")  # "media/", not "mediation/"
        assert not any(p.lstrip("^").startswith(media) for p, _ in patterns)
    finally:
        settings.DEBUG = False
        importlib.reload(jingmin.urls)
        clear_url_caches()


def test_whitenoise_and_static_files_never_reach_media():
    media = Path(django_settings.MEDIA_ROOT).resolve()
    roots = [Path(django_settings.STATIC_ROOT)]
    roots += [
        Path(d[1] if isinstance(d, tuple) else d)
        for d in django_settings.STATICFILES_DIRS
    ]
    whitenoise_root = getattr(django_settings, "WHITENOISE_ROOT", None)
    if whitenoise_root:
        roots.append(Path(whitenoise_root))
    for root in roots:
        root = root.resolve()
        assert not media.is_relative_to(root) and not root.is_relative_to(media), root
    assert not django_settings.MEDIA_URL.startswith(django_settings.STATIC_URL)
