"""English pages of the appeals module: texts translated per request, not at import,
and the staff history names each step instead of showing its code."""

import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from jingmin.appeals import workflow
from jingmin.appeals.forms import AppealForm

from .factories import IN_A, submit

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _back_to_chinese():
    """An English request leaves its language active in the test thread."""
    yield
    translation.activate(settings.LANGUAGE_CODE)


SERVICES = Path(workflow.__file__).with_name("services.py")


def test_form_texts_follow_the_language_of_the_request():
    with translation.override("en"):
        form = AppealForm()
        help_text, photos = (
            str(form.fields["body"].help_text),
            str(form.fields["photos"].label),
        )
    assert "characters" in help_text and "4000" in help_text
    assert photos.startswith("Photos")
    with translation.override("zh-hans"):
        assert "最多 4000 字" in str(AppealForm().fields["body"].help_text)


def test_every_logged_action_has_a_label():
    source = SERVICES.read_text(encoding="utf-8")
    logged = {
        code
        for pair in re.findall(
            r'_log\(\s*\w+,\s*"(\w+)"(?: if \w+ else "(\w+)")?', source
        )
        for code in pair
        if code
    }
    assert {"submit", "reply_draft", "reply_shared"} <= logged
    for code in logged | set(workflow.TRANSITIONS) | set(workflow.EVENT_LABELS):
        with translation.override("zh-hans"):
            assert workflow.action_label(code) != code, code


def test_staff_history_shows_labels_in_english(client_for, county, cats):
    appeal = submit(cats.order, point=IN_A).appeal
    client = client_for(county["officer_a"])
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(reverse("appeals:console_detail", args=[appeal.pk])).content
    history = html.decode().split('<ol class="timeline">', 1)[1].split("</ol>")[0]
    assert " · submit" not in history and " · route" not in history
    with translation.override("en"):
        assert workflow.action_label("submit") in history


def test_public_results_dates_follow_the_language(client, county, cats):
    url = reverse("appeals:public_results")
    assert "年" in client.get(url).content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(url).content.decode()
    assert not re.search(r"\d{4}年", html)
