"""Settings come from the environment (README "Settings"): every APPEALS_*,
APPEAL_RETENTION_DAYS, MEDIATION_RETENTION_DAYS and OPEN311_* variable is read,
and a malformed value stops the start with the variable's name."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({n: getattr(s, n) for n in %r}))"
)
NAMES = [
    "APPEAL_RETENTION_DAYS",
    "MEDIATION_RETENTION_DAYS",
    "APPEALS_PERIODIC_SECONDS",
    "APPEALS_CLASSIFIER_THRESHOLD",
    "APPEALS_ACCEPT_HOURS",
    "APPEALS_CLOSE_WORKING_DAYS",
    "APPEALS_OBJECTION_WORKING_DAYS",
    "APPEALS_INFO_WAIT_WORKING_DAYS",
    "APPEALS_REPLY_DEFAULTS",
    "RETENTION_PERIODIC_SECONDS",
    "AUDIT_CHECKPOINT_SECONDS",
    "OPEN311_JURISDICTION_ID",
    "OPEN311_CONTACT",
    "OPEN311_KEY_SERVICE",
    "OPEN311_MAX_BODY",
    "OPEN311_GRID_DEGREES",
]


def settings_with(**env: str) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("APPEAL", "OPEN311_", "MEDIATION_"))
    }
    base["DJANGO_SETTINGS_MODULE"] = "jingmin.settings"
    return subprocess.run(  # noqa: S603
        [sys.executable, "-c", PROBE % NAMES],
        env={**base, **env},
        capture_output=True,
        text=True,
    )


def test_defaults_match_the_code():
    from jingmin.appeals import deadlines
    from jingmin.core import retention
    from jingmin.open311 import intake, selectors

    got = json.loads(settings_with().stdout)
    assert got["APPEAL_RETENTION_DAYS"] == retention.DEFAULT_DAYS
    assert got["APPEALS_ACCEPT_HOURS"] == deadlines.ACCEPT_HOURS
    assert got["APPEALS_OBJECTION_WORKING_DAYS"] == deadlines.OBJECTION_WORKING_DAYS
    assert {k: tuple(v) for k, v in got["APPEALS_REPLY_DEFAULTS"].items()} == {
        str(k): (n, str(u)) for k, (n, u) in deadlines.REPLY_DEFAULTS.items()
    }
    assert got["OPEN311_MAX_BODY"] == intake.DEFAULT_MAX_BODY
    assert got["OPEN311_GRID_DEGREES"] == selectors.DEFAULT_GRID_DEGREES


def test_every_variable_is_read_from_the_environment():
    got = json.loads(
        settings_with(
            APPEAL_RETENTION_DAYS="90",
            MEDIATION_RETENTION_DAYS="1095",
            APPEALS_PERIODIC_SECONDS="60",
            APPEALS_CLASSIFIER_THRESHOLD="0.7",
            APPEALS_ACCEPT_HOURS="1",
            APPEALS_CLOSE_WORKING_DAYS="3",
            APPEALS_OBJECTION_WORKING_DAYS="4",
            APPEALS_INFO_WAIT_WORKING_DAYS="6",
            APPEALS_REPLY_DEFAULTS="urgent=1h, complex=10wd",
            RETENTION_PERIODIC_SECONDS="43200",
            AUDIT_CHECKPOINT_SECONDS="600",
            OPEN311_JURISDICTION_ID="heping.gov.cn",
            OPEN311_CONTACT="指挥中心 0571-1234567",
            OPEN311_KEY_SERVICE="找信息中心",
            OPEN311_MAX_BODY="2048",
            OPEN311_GRID_DEGREES="0.01",
        ).stdout
    )
    assert got["APPEAL_RETENTION_DAYS"] == 90
    assert got["MEDIATION_RETENTION_DAYS"] == 1095
    assert got["APPEALS_PERIODIC_SECONDS"] == 60
    assert got["APPEALS_CLASSIFIER_THRESHOLD"] == 0.7
    assert (got["APPEALS_ACCEPT_HOURS"], got["APPEALS_CLOSE_WORKING_DAYS"]) == (1, 3)
    assert got["APPEALS_OBJECTION_WORKING_DAYS"] == 4
    assert got["APPEALS_INFO_WAIT_WORKING_DAYS"] == 6
    assert got["APPEALS_REPLY_DEFAULTS"]["urgent"] == [1, "hours"]
    assert got["APPEALS_REPLY_DEFAULTS"]["complex"] == [10, "working_days"]
    assert got["APPEALS_REPLY_DEFAULTS"]["ordinary"] == [7, "days"]
    assert got["RETENTION_PERIODIC_SECONDS"] == 43200
    assert got["AUDIT_CHECKPOINT_SECONDS"] == 600
    assert got["OPEN311_JURISDICTION_ID"] == "heping.gov.cn"
    assert got["OPEN311_CONTACT"] == "指挥中心 0571-1234567"
    assert got["OPEN311_KEY_SERVICE"] == "找信息中心"
    assert (got["OPEN311_MAX_BODY"], got["OPEN311_GRID_DEGREES"]) == (2048, 0.01)


def test_malformed_values_name_the_variable():
    for name, value in [
        ("APPEAL_RETENTION_DAYS", "two years"),
        ("OPEN311_GRID_DEGREES", "fine"),
        ("APPEALS_REPLY_DEFAULTS", "urgent=2x"),
        ("APPEALS_REPLY_DEFAULTS", "someday=2h"),
    ]:
        result = settings_with(**{name: value})
        assert result.returncode != 0
        assert "ImproperlyConfigured" in result.stderr and name in result.stderr
