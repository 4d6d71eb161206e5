"""Open the files people bring to the importers: UTF-8 (with or without BOM) or GBK.

Excel saves a Chinese CSV as GBK unless told otherwise, and as UTF-8 with a BOM
when told; other tools write UTF-8 without one. Every CLI importer reads its file
through here, so each accepts all three and refuses anything else the same way:
a DomainError in the user's language ("文件不存在：…", "无法识别文件编码：…"),
never a traceback or a raw codec message. GB18030 is read for GBK (it is a
superset, so GB2312 and GBK files decode the same).

``read_text`` returns the whole text (small files); ``open_csv`` detects the
encoding in one streamed pass and returns an open text file for ``csv`` to read
row by row (large files stay out of memory).
"""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import TextIO

from django.utils.translation import gettext as _

from .exceptions import DomainError

ENCODINGS = ("utf-8-sig", "gb18030")
CHUNK = 1 << 20


class UnreadableFile(DomainError):
    code = "unreadable_file"


def require_file(path: str | Path) -> Path:
    """The path, if it names a readable file; UnreadableFile otherwise."""
    path = Path(path)
    if not path.is_file():
        raise UnreadableFile(_("文件不存在：%(path)s") % {"path": path}, field="file")
    return path


def _not_decodable(path: Path) -> UnreadableFile:
    return UnreadableFile(
        _("无法识别文件编码：%(path)s（请另存为 UTF-8 或 GBK 编码）") % {"path": path},
        field="file",
    )


def _unreadable(path: Path, exc: OSError) -> UnreadableFile:
    return UnreadableFile(
        _("无法读取文件：%(path)s（%(error)s）")
        % {"path": path, "error": exc.strerror or exc},
        field="file",
    )


def decode(data: bytes, path: str | Path = "") -> str:
    """Bytes read from a file (or an upload) as text, trying ENCODINGS in turn."""
    for encoding in ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _not_decodable(Path(path))


def read_text(path: str | Path) -> str:
    path = require_file(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _unreadable(path, exc) from exc
    return decode(data, path)


def detect_encoding(path: str | Path) -> str:
    """The first of ENCODINGS that decodes the whole file, read in chunks."""
    path = require_file(path)
    for encoding in ENCODINGS:
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with open(path, "rb") as fh:
                while chunk := fh.read(CHUNK):
                    decoder.decode(chunk)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        except OSError as exc:
            raise _unreadable(path, exc) from exc
        return encoding
    raise _not_decodable(path)


def open_csv(path: str | Path) -> TextIO:
    """The file opened for ``csv.reader``/``DictReader`` (newline="") in its encoding."""
    path = Path(path)
    encoding = detect_encoding(path)
    try:
        return open(path, newline="", encoding=encoding)  # noqa: SIM115 - the caller closes it
    except OSError as exc:
        raise _unreadable(path, exc) from exc
