"""Quick variant of `make fuzz`'s form fuzzing, in-process: every POST form of the
public and console pages gets hostile input and must answer below 500."""

from __future__ import annotations

import pytest
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzz.forms import Tally, forms_in, fuzzed_data

PAGES = [
    (None, "/appeals/"),
    (None, "/appeals/track/"),
    (None, "/accounts/login/"),
    (None, "/services/appointments/cancel/"),
    ("operator", "/appeals/console/intake/"),
    ("officer_a", "/mediation/new/"),
    ("officer_a", "/services/console/applications/new/"),
    ("officer_a", "/accounts/otp/"),
    ("supervisor", "/services/console/new/"),
]


@pytest.mark.parametrize("persona,url", PAGES)
def test_forms_survive_hostile_input(county, persona, url):
    from jingmin.appeals.tests.factories import make_categories

    make_categories(county)
    client = Client()
    if persona:
        client.force_login(
            county[persona], backend="django.contrib.auth.backends.ModelBackend"
        )
    page = client.get(url)
    if page.status_code == 404:
        pytest.skip(f"{url} is not mounted")
    assert page.status_code == 200
    forms = forms_in(page.content.decode(), url)
    assert forms, f"no POST form found in {url}"
    tally = Tally()

    @settings(
        max_examples=15,
        deadline=None,
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
        ],
    )
    @given(st.data())
    def fuzz(data):
        for form in forms:
            fields = fuzzed_data(form, data.draw)
            response = client.post(form.action, fields, REMOTE_ADDR="10.9.0.1")
            tally.add(form.action, response.status_code, fields)

    fuzz()
    assert tally.tried >= 15
    assert not tally.errors, "\n".join(tally.errors[:5])
