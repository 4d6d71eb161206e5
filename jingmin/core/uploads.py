"""Photos uploaded by citizens: sniffed, bounded, re-encoded, stripped of metadata.

The type comes from the file's first bytes, never from its name or the browser's
Content-Type (ASVS 5.2.2). Accepted images are decoded and re-encoded with Pillow,
which drops EXIF (including GPS position) and any trailing payload; the stored
name is random (ASVS 5.3.2). Limits: settings.UPLOAD_IMAGE_MAX_BYTES (5 MB) and
UPLOAD_IMAGE_MAX_PIXELS (40 megapixels, against decompression bombs).
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from .exceptions import DomainError

DEFAULT_MAX_BYTES = 5 * 1024 * 1024
DEFAULT_MAX_PIXELS = 40_000_000
# magic bytes → (Pillow format, content type, extension)
SIGNATURES = [
    (b"\xff\xd8\xff", "JPEG", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "PNG", "image/png", "png"),
    (b"GIF87a", "GIF", "image/png", "png"),
    (b"GIF89a", "GIF", "image/png", "png"),
]


@dataclass(frozen=True)
class CleanImage:
    content: bytes
    content_type: str
    extension: str
    width: int
    height: int
    sha256: str


def max_bytes() -> int:
    return int(getattr(settings, "UPLOAD_IMAGE_MAX_BYTES", DEFAULT_MAX_BYTES))


def limit_text() -> str:
    return _("仅支持 JPEG、PNG、GIF、WebP 图片，每张不超过 %(mb)s MB") % {
        "mb": f"{max_bytes() / 1024 / 1024:g}"
    }


def _sniff(head: bytes) -> tuple[str, str, str] | None:
    for magic, fmt, ctype, ext in SIGNATURES:
        if head.startswith(magic):
            return fmt, ctype, ext
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "WEBP", "image/jpeg", "jpg"
    return None


def image_clean(upload: IO[bytes], *, label: str = "") -> CleanImage:
    """A re-encoded copy of ``upload`` or DomainError naming the file and the limit."""
    name = label or getattr(upload, "name", "") or _("图片")
    data = upload.read(max_bytes() + 1)
    if len(data) > max_bytes():
        raise DomainError(
            _("%(name)s 太大：%(limit)s") % {"name": name, "limit": limit_text()},
            code="upload_too_large",
            field="photos",
        )
    sniffed = _sniff(data[:16])
    if sniffed is None:
        raise DomainError(
            _("%(name)s 不是可识别的图片：%(limit)s")
            % {"name": name, "limit": limit_text()},
            code="upload_not_image",
            field="photos",
        )
    fmt, content_type, extension = sniffed
    max_pixels = int(getattr(settings, "UPLOAD_IMAGE_MAX_PIXELS", DEFAULT_MAX_PIXELS))
    try:
        with Image.open(io.BytesIO(data), formats=[fmt]) as probe:
            if probe.width * probe.height > max_pixels:
                raise DomainError(
                    _("%(name)s 像素过多（上限 %(mp)s 百万像素）")
                    % {"name": name, "mp": max_pixels // 1_000_000},
                    code="upload_too_many_pixels",
                    field="photos",
                )
            probe.verify()
        with Image.open(io.BytesIO(data), formats=[fmt]) as img:
            img.seek(0)
            img = ImageOps.exif_transpose(img)
            out = io.BytesIO()
            if extension == "jpg":
                img.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
            else:
                mode = "RGBA" if img.mode in ("RGBA", "LA", "P") else "RGB"
                img.convert(mode).save(out, "PNG", optimize=True)
    except DomainError:
        raise
    except (
        UnidentifiedImageError,
        Image.DecompressionBombError,
        OSError,
        SyntaxError,
        ValueError,
    ) as exc:
        raise DomainError(
            _("%(name)s 已损坏或不是图片：%(limit)s")
            % {"name": name, "limit": limit_text()},
            code="upload_not_image",
            field="photos",
        ) from exc
    content = out.getvalue()
    return CleanImage(
        content=content,
        content_type=content_type,
        extension=extension,
        width=img.width,
        height=img.height,
        sha256=hashlib.sha256(content).hexdigest(),
    )
