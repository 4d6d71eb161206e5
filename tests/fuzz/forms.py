"""Hypothesis-driven form fuzzing shared by the quick suite variant (Django test
client) and `make fuzz` (a live server): find each POST form in a page's <main>,
fill every field with hostile text, post it, and require an answer below 500."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from hypothesis import strategies as st

MAIN = re.compile(r"<main\b.*?</main>", re.S | re.I)
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.S | re.I)
FIELD = re.compile(r"<(input|select|textarea)\b([^>]*)>", re.I)
ATTR = re.compile(r'(\w[\w-]*)\s*=\s*"([^"]*)"')

HOSTILE = st.one_of(
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=400),
    st.sampled_from(
        [
            '<script>alert("x")</script>',
            "'; DROP TABLE appeals_appeal; --",
            "{{ 7*7 }}{% debug %}",
            '=HYPERLINK("http://evil")',
            "\x00\x01\x02",
            "１３８００１３８０００",
            "A" * 5000,
            "../../etc/passwd",
            "-1",
            "999999999999999999999999",
            "NaN",
            "2026-02-30",
            "",
        ]
    ),
)


@dataclass
class Form:
    action: str
    fields: dict[str, str] = field(default_factory=dict)  # name -> default value
    hidden: set[str] = field(default_factory=set)


def forms_in(html: str, page_url: str) -> list[Form]:
    main = MAIN.search(html)
    found = []
    for attrs, body in FORM.findall(main.group(0) if main else html):
        a = dict(ATTR.findall(attrs))
        if a.get("method", "get").lower() != "post":
            continue
        form = Form(action=a.get("action") or page_url)
        for _tag, fattrs in FIELD.findall(body):
            f = dict(ATTR.findall(fattrs))
            name = f.get("name")
            if not name:
                continue
            form.fields[name] = f.get("value", "")
            if f.get("type") == "hidden":
                form.hidden.add(name)
        found.append(form)
    return found


def fuzzed_data(form: Form, draw: Callable) -> dict[str, str]:
    """Hostile values for every visible field; hidden ones (CSRF, one-time token)
    keep the page's value half the time so the request reaches the view."""
    data = {}
    for name, default in form.fields.items():
        if name == "csrfmiddlewaretoken":
            data[name] = default
        elif name in form.hidden and draw(st.booleans()):
            data[name] = default
        else:
            data[name] = draw(HOSTILE)
    return data


@dataclass
class Tally:
    tried: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def add(self, url: str, status: int, data: dict) -> None:
        self.tried += 1
        self.statuses[status] = self.statuses.get(status, 0) + 1
        if status >= 500:
            self.errors.append(f"{status} on POST {url} with {str(data)[:300]}")
