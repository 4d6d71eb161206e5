"""Quick variant of `make soak`, on the database the suite runs on."""

from __future__ import annotations

import io
import os

import pytest

from tests.soak.run import soak


@pytest.mark.live
def test_no_loss_no_duplicates_across_sigkills():
    kind = (
        "postgres"
        if os.environ.get("DATABASE_URL", "").startswith("postgres")
        else "sqlite"
    )
    out = io.StringIO()
    result = soak(
        db_kind=kind,
        submissions=100,
        kills=2,
        seconds=150,
        clients=6,
        server_workers=1,
        seed=20261129,
        out=out,
    )
    report = out.getvalue()
    assert result.kills == 2, report
    assert result.summary["acknowledged"] == 100, report
    assert result.summary["retried"] > 0, report  # the kills did hit requests in flight
    assert result.summary["resent"] > 0, report
    assert result.ok, report
