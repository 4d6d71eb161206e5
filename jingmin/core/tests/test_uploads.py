import io

import pytest
from PIL import Image

from jingmin.core.exceptions import DomainError
from jingmin.core.uploads import image_clean


def image_bytes(fmt="JPEG", size=(20, 10), exif=True, mode="RGB"):
    img = Image.new(mode, size, "blue")
    buf = io.BytesIO()
    kwargs = {}
    if exif and fmt == "JPEG":
        e = Image.Exif()
        e[0x8825] = {2: (30, 3, 0), 4: (120, 3, 0)}
        kwargs["exif"] = e
    img.save(buf, fmt, **kwargs)
    buf.seek(0)
    buf.name = "x"
    return buf


@pytest.mark.parametrize(
    ("fmt", "ctype"),
    [
        ("JPEG", "image/jpeg"),
        ("PNG", "image/png"),
        ("GIF", "image/png"),
        ("WEBP", "image/jpeg"),
    ],
)
def test_accepted_formats_are_reencoded(fmt, ctype):
    clean = image_clean(image_bytes(fmt, mode="RGB" if fmt != "GIF" else "P"))
    assert clean.content_type == ctype and (clean.width, clean.height) == (20, 10)
    assert len(clean.sha256) == 64


def test_exif_gps_is_stripped():
    raw = image_bytes()
    assert Image.open(io.BytesIO(raw.getvalue())).getexif()
    clean = image_clean(raw)
    assert not Image.open(io.BytesIO(clean.content)).getexif()


def test_trailing_payload_is_dropped():
    raw = image_bytes().getvalue() + b"<?php system($_GET['c']); ?>"
    clean = image_clean(io.BytesIO(raw))
    assert b"<?php" not in clean.content


@pytest.mark.parametrize(
    "data", [b"GIF89a-not-really", b"\xff\xd8\xff garbage", b"<svg/>", b""]
)
def test_not_images_are_refused_with_the_limit(data):
    with pytest.raises(DomainError) as err:
        image_clean(io.BytesIO(data), label="a.jpg")
    assert "a.jpg" in str(err.value) and "MB" in str(err.value)


def test_size_limit(settings):
    settings.UPLOAD_IMAGE_MAX_BYTES = 50
    with pytest.raises(DomainError) as err:
        image_clean(image_bytes())
    assert err.value.code == "upload_too_large"


def test_pixel_limit(settings):
    settings.UPLOAD_IMAGE_MAX_PIXELS = 100
    with pytest.raises(DomainError) as err:
        image_clean(image_bytes(size=(20, 10)))
    assert err.value.code == "upload_too_many_pixels"
