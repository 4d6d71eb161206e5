"""The English UI: public pages and the staff login render in English, and the
catalogue has a translation for every msgid (decision 009)."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils.translation import trans_real

LOCALE_DIR = Path(__file__).resolve().parents[2] / "locale" / "en" / "LC_MESSAGES"
PO_FILE = LOCALE_DIR / "django.po"
MO_FILE = LOCALE_DIR / "django.mo"

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
NAV = re.compile(r'<nav class="main-nav"[^>]*>(.*?)</nav>', re.S)
TAGS = re.compile(r"<[^>]+>")


@pytest.fixture(scope="module", autouse=True)
def _compiled_catalogue():
    """``make test`` compiles the catalogue; a bare ``pytest`` run may not have."""
    if not MO_FILE.exists() or MO_FILE.stat().st_mtime < PO_FILE.stat().st_mtime:
        call_command(
            "compilemessages", locale=["en"], ignore_patterns=[".venv"], verbosity=0
        )
        trans_real._translations = {}  # forget catalogues loaded before compiling
        trans_real._default = None


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", TAGS.sub(" ", html))


def nav_text(html: str) -> str:
    match = NAV.search(html)
    assert match, "the page has no main navigation"
    return visible_text(match.group(1))


PAGES = [
    ("portal:home", ["Home", "Service guide", "Emergency", "call 110", "Staff login"]),
    (
        "appeals:submit",
        ["Submit an appeal", "Type of appeal", "Phone number", "Submit"],
    ),
    ("catalogue:guide_list", ["Service guide", "Find", "Open data"]),
    ("hotspots:public_map", ["Hot-spot map", "500 m grid cell"]),
    ("accounts:login", ["Staff login", "Username", "Password", "Log in"]),
]


@pytest.mark.parametrize(("url_name", "words"), PAGES, ids=[p[0] for p in PAGES])
def test_public_page_in_english(db, english, url_name, words):
    response = english.get(reverse(url_name))
    assert response.status_code == 200
    assert response["Content-Language"] == "en"
    html = response.content.decode()
    assert '<html lang="en"' in html
    text = visible_text(html)
    for word in words:
        assert word in text, f"{word!r} missing from {url_name}"
    nav = nav_text(html)
    assert "Service guides" in nav and "Police transparency" in nav
    assert not CJK.search(nav), f"Chinese left in the navigation: {nav}"


def test_english_page_offers_chinese_and_back(db, english):
    html = english.get(reverse("portal:home")).content.decode()
    assert 'value="zh-hans"' in html and "简体中文" in html
    english.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    response = english.get(reverse("portal:home"))
    assert response["Content-Language"] == "zh-hans"
    assert "首页" in nav_text(response.content.decode())


def test_form_labels_and_choices_in_english(db, english):
    text = visible_text(english.get(reverse("appeals:submit")).content.decode())
    for word in ["Complaint", "Report", "Enquiry", "Suggestion", "Email (optional)"]:
        assert word in text


def _entries(po_text: str):
    """(flags, msgid, [msgstr…]) for each entry of a .po file, header included."""
    for block in re.split(r"\n\s*\n", po_text.strip()):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        if not lines:
            continue
        flags = {
            f.strip()
            for line in lines
            if line.startswith("#,")
            for f in line[2:].split(",")
        }
        fields: dict[str, str] = {}
        key = None
        for line in lines:
            if line.startswith("#"):
                continue
            m = re.match(
                r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[\d+\])?) "(.*)"$', line
            )
            if m:
                key = m.group(1)
                fields[key] = m.group(2)
            elif line.startswith('"') and key:
                fields[key] += line[1:-1]
        if "msgid" not in fields:
            continue
        strings = [v for k, v in fields.items() if k.startswith("msgstr")]
        yield flags, fields["msgid"], fields.get("msgid_plural"), strings


def test_catalogue_is_complete():
    entries = list(_entries(PO_FILE.read_text(encoding="utf-8")))
    assert len(entries) > 1000
    header = [e for e in entries if e[1] == ""]
    assert header and "fuzzy" not in header[0][0], "the header is still fuzzy"
    problems = []
    for flags, msgid, plural, strings in entries:
        if not msgid:
            continue
        if "fuzzy" in flags:
            problems.append(f"fuzzy: {msgid}")
        if not strings or any(not s for s in strings):
            problems.append(f"untranslated: {msgid}")
        if plural is not None and len(strings) != 2:
            problems.append(f"plural forms: {msgid}")
        if any(CJK.search(s) for s in strings):
            problems.append(f"Chinese in translation: {msgid}")
    assert not problems, "\n".join(problems[:50])


def test_translations_keep_placeholders():
    placeholder = re.compile(r"%\(\w+\)[sd]|%\(\w+\)\.\d+f|%[sd%]|\{\w+\}")
    problems = []
    for _flags, msgid, _plural, strings in _entries(
        PO_FILE.read_text(encoding="utf-8")
    ):
        if not msgid:
            continue
        wanted = sorted(placeholder.findall(msgid))
        for s in strings:
            if sorted(placeholder.findall(s)) != wanted:
                problems.append(f"{msgid} → {s}")
    assert not problems, "\n".join(problems)
