"""JSON that a database can store: no NUL characters, no lone surrogates.

PostgreSQL refuses both (SQLite stores them), so without this guard a crafted
body becomes a server error in whatever lookup first touches the value.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


def _storable(value) -> bool:
    if isinstance(value, str):
        return "\x00" not in value and not any(
            0xD800 <= ord(ch) <= 0xDFFF for ch in value
        )
    if isinstance(value, dict):
        return all(_storable(k) and _storable(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_storable(v) for v in value)
    return True


class StorableJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        data = super().parse(stream, media_type, parser_context)
        if not _storable(data):
            raise ParseError(_("请求中含有无法保存的字符（空字符或不成对的代理字符）"))
        return data
