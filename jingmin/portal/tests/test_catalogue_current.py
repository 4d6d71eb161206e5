"""Every translatable string of the source is in the English catalogue, translated.

``test_english.test_catalogue_is_complete`` checks the .po file as it stands; this
test checks that the file is current: a new ``_("…")`` or ``{% translate %}``
that nobody ran ``make messages`` for (or that was left untranslated or fuzzy)
would otherwise show Chinese on an English page without any test noticing. It
extracts the msgids the way ``make messages`` does (Python calls, templates via
Django's templatize) and looks each up in a freshly compiled catalogue, which
holds only translated, non-fuzzy entries.
"""

from __future__ import annotations

import ast
import gettext
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils.translation.template import templatize

SOURCE = Path(__file__).resolve().parents[2]  # the jingmin package
PO_FILE = SOURCE / "locale" / "en" / "LC_MESSAGES" / "django.po"
SKIP_PARTS = {"migrations", "tests", "locale", "static"}

# keyword → (context index or None, msgid index, plural index or None)
KEYWORDS = {
    "_": (None, 0, None),
    "gettext": (None, 0, None),
    "gettext_lazy": (None, 0, None),
    "gettext_noop": (None, 0, None),
    "ngettext": (None, 0, 1),
    "ngettext_lazy": (None, 0, 1),
    "pgettext": (0, 1, None),
    "pgettext_lazy": (0, 1, None),
    "npgettext": (0, 1, 2),
    "npgettext_lazy": (0, 1, 2),
}
TEMPLATE_CALL = re.compile(r"\b(gettext|pgettext|ngettext|npgettext)\(")
TEMPLATE_STRING = re.compile(r"\s*,?\s*(u'(?:[^'\\]|\\.)*')")


def _files(*suffixes: str):
    for path in sorted(SOURCE.rglob("*")):
        rel = path.relative_to(SOURCE).parts
        if path.suffix in suffixes and not SKIP_PARTS.intersection(rel[:-1]):
            yield path


def _key(strings: list[str], spec: tuple[int | None, int, int | None]) -> tuple:
    ctx, msgid, plural = spec
    return (
        strings[ctx] if ctx is not None else None,
        strings[msgid],
        strings[plural] if plural is not None else None,
    )


def python_msgids(path: Path) -> set[tuple]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        spec = KEYWORDS.get(name)
        if spec is None:
            continue
        strings = []
        for arg in node.args:
            if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
                break
            strings.append(arg.value)
        needed = max(i for i in spec if i is not None)
        if len(strings) > needed:
            found.add(_key(strings, spec))
    return found


def template_msgids(path: Path) -> set[tuple]:
    found = set()
    code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
    for match in TEMPLATE_CALL.finditer(code):
        strings, pos = [], match.end()
        while m := TEMPLATE_STRING.match(code, pos):
            strings.append(ast.literal_eval(m.group(1)))
            pos = m.end()
        spec = KEYWORDS[match.group(1)]
        if len(strings) > max(i for i in spec if i is not None):
            found.add(_key(strings, spec))
    return found


def source_msgids() -> dict[tuple, str]:
    found: dict[tuple, str] = {}
    for path in _files(".py"):
        for key in python_msgids(path):
            found.setdefault(key, str(path.relative_to(SOURCE)))
    for path in _files(".html", ".txt"):
        for key in template_msgids(path):
            found.setdefault(key, str(path.relative_to(SOURCE)))
    return found


@pytest.fixture(scope="module")
def catalogue(tmp_path_factory) -> dict:
    """The .po compiled afresh: msgfmt leaves out fuzzy and untranslated entries."""
    if shutil.which("msgfmt") is None:
        pytest.skip("msgfmt (GNU gettext) is not installed")
    mo = tmp_path_factory.mktemp("mo") / "django.mo"
    subprocess.run(["msgfmt", "-o", str(mo), str(PO_FILE)], check=True)
    with mo.open("rb") as fh:
        return gettext.GNUTranslations(fh)._catalog


def _in(catalogue: dict, key: tuple) -> bool:
    ctx, msgid, plural = key
    full = f"{ctx}\x04{msgid}" if ctx is not None else msgid
    if plural is None:
        return bool(catalogue.get(full))
    return bool(catalogue.get((full, 0))) and bool(catalogue.get((full, 1)))


def test_the_extractor_finds_python_and_template_strings():
    found = source_msgids()
    assert (None, "首页", None) in found  # a template {% translate %}
    assert (None, "周一", None) in found  # a gettext_lazy call in Python
    assert ("list separator", "、", None) in found  # a template with a context
    assert len(found) > 1000


def test_every_source_string_is_translated(catalogue):
    missing = [
        f"{where}: {key[1]!r}" + (f" (context {key[0]!r})" if key[0] else "")
        for key, where in sorted(source_msgids().items(), key=lambda kv: kv[1])
        if not _in(catalogue, key)
    ]
    assert not missing, (
        f"{len(missing)} string(s) not translated in {PO_FILE.name}; run "
        "`make messages` and translate the new or fuzzy entries:\n"
        + "\n".join(missing[:60])
    )


def test_the_shipped_mo_is_compiled_from_the_po(catalogue):
    """The .mo is committed (a deployment needs no GNU gettext, and `jingmin serve`
    or a pip install gets English too); it must hold what the .po says."""
    shipped = PO_FILE.with_suffix(".mo")
    assert shipped.exists(), "run `make messages` and commit django.mo"
    with shipped.open("rb") as fh:
        assert gettext.GNUTranslations(fh)._catalog == catalogue, (
            "django.mo is older than django.po: run `make messages` and commit both"
        )
