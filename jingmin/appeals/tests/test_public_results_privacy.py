"""The public results page never lets anyone work out a handful of cases (QA:
网络诈骗 按时答复 20 % of 5 = one late case): every count a public rate is
computed from is 0 or at least settings.PUBLIC_MIN_COUNT (ADR 112)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from jingmin.appeals import metrics
from jingmin.appeals.tests.test_metrics import known  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def noise_row(data):
    return {r["label"]: r for r in data["categories"]}["噪音扰民"]


def test_a_rate_that_would_single_out_one_case_is_suppressed(known, settings):  # noqa: F811
    settings.PUBLIC_MIN_COUNT = 5
    row = noise_row(metrics.public_results())
    # 5 replies, 4 on time and 1 late: 80 % would tell the one late case
    assert row["volume"] == 6 and row["replied"] == 5
    assert row["on_time_rate"] is None
    # 2 resolved, 1 not (from 3 answers): also below the threshold
    assert row["resolution_rate"] is None and row["satisfaction_rate"] is None


def test_rates_from_counts_above_the_threshold_are_shown(known, settings):  # noqa: F811
    settings.PUBLIC_MIN_COUNT = 1
    row = noise_row(metrics.public_results())
    assert row["on_time_rate"] == 0.8


def test_the_page_shows_a_dash_and_says_why(client, known, settings):  # noqa: F811
    settings.PUBLIC_MIN_COUNT = 5
    html = client.get(reverse("appeals:public_results")).content.decode()
    noise = html.split("噪音扰民", 1)[1].split("</tr>", 1)[0]
    assert "80%" not in noise and "—" in noise
    assert "少于 5 件" in html and "推算" in html
