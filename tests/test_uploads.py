"""Citizen photo uploads (jingmin.core.uploads): type sniffed from content (ASVS
5.0 5.2.2), size and pixel limits (5.2.1, decompression bombs), re-encoded so EXIF
(GPS!) and trailing payloads are gone, random stored names (5.3.2)."""

from __future__ import annotations

import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from jingmin.core.exceptions import DomainError
from jingmin.core.uploads import image_clean


def image_bytes(fmt: str = "JPEG", size=(32, 24), exif: bool = False, **kw) -> bytes:
    img = Image.new("RGB", size, (10, 120, 200))
    buf = io.BytesIO()
    if exif:
        data = Image.Exif()
        data[0x010F] = "SecretCam"  # Make
        data[0x8825] = {2: (30.0, 3.0, 0.0), 4: (120.0, 3.0, 0.0)}  # GPS lat/lon
        img.save(buf, fmt, exif=data, **kw)
    else:
        img.save(buf, fmt, **kw)
    return buf.getvalue()


def clean(data: bytes, name: str = "photo.jpg"):
    upload = io.BytesIO(data)
    upload.name = name
    return image_clean(upload)


def test_exif_and_gps_are_stripped():
    raw = image_bytes(exif=True)
    assert b"SecretCam" in raw
    out = clean(raw)
    assert b"SecretCam" not in out.content and b"Exif" not in out.content
    assert not Image.open(io.BytesIO(out.content)).getexif()
    assert (out.width, out.height, out.content_type) == (32, 24, "image/jpeg")


def test_trailing_payload_is_dropped():
    polyglot = image_bytes() + b"<script>alert(1)</script>" + b"PK\x03\x04zipped"
    out = clean(polyglot)
    assert b"<script>" not in out.content and b"PK\x03\x04" not in out.content


def test_type_comes_from_content_not_name():
    out = clean(image_bytes("PNG"), name="looks-like.jpg")
    assert (out.content_type, out.extension) == ("image/png", "png")
    assert out.content.startswith(b"\x89PNG")


@pytest.mark.parametrize(
    "data,name",
    [
        (b"<html><script>alert(1)</script></html>", "photo.jpg"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "photo.svg"),
        (b"%PDF-1.7\n...", "photo.png"),
        (b"MZ\x90\x00 executable", "photo.gif"),
        (b"", "empty.jpg"),
    ],
)
def test_non_images_are_refused_whatever_their_name(data, name):
    with pytest.raises(DomainError) as exc:
        clean(data, name)
    assert exc.value.code == "upload_not_image" and exc.value.field == "photos"


def test_truncated_image_is_refused():
    with pytest.raises(DomainError, match="已损坏或不是图片"):
        clean(image_bytes()[:200])


def test_size_limit(settings):
    settings.UPLOAD_IMAGE_MAX_BYTES = 1000
    big = image_bytes(size=(300, 300), quality=100)
    assert len(big) > 1000
    with pytest.raises(DomainError) as exc:
        clean(big)
    assert exc.value.code == "upload_too_large"


def test_decompression_bomb_is_refused(settings):
    settings.UPLOAD_IMAGE_MAX_PIXELS = 1_000_000
    bomb = image_bytes("PNG", size=(4000, 4000))  # 16 MP of one colour: a few KB
    assert len(bomb) < 200_000
    with pytest.raises(DomainError) as exc:
        clean(bomb)
    assert exc.value.code == "upload_too_many_pixels"


def test_gif_is_re_encoded_as_png():
    out = clean(image_bytes("GIF"))
    assert out.content.startswith(b"\x89PNG")


@settings(max_examples=150, deadline=None)
@given(
    st.binary(max_size=2000),
    st.sampled_from([b"", b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n", b"GIF89a"]),
)
def test_any_bytes_give_a_clean_image_or_a_domain_error(tail, head):
    try:
        out = clean(head + tail)
    except DomainError as exc:
        assert exc.field == "photos"
    else:
        Image.open(io.BytesIO(out.content)).verify()


def test_the_web_form_refuses_a_disguised_file(county):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client
    from django.urls import reverse

    from jingmin.appeals.models import Appeal

    client = Client()
    form = client.get(reverse("appeals:submit")).context["form"]
    evil = SimpleUploadedFile(
        "photo.jpg", b"<html><script>x</script></html>", "image/jpeg"
    )
    response = client.post(
        reverse("appeals:submit"),
        {
            "kind": "complaint",
            "body": "带附件的诉求",
            "phone": "13700001111",
            "photos": evil,
            "form_token": form["form_token"].value(),
        },
    )
    assert response.status_code == 200
    assert "不是可识别的图片" in response.content.decode()
    assert not Appeal.objects.exists()
