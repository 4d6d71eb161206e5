import pytest

from jingmin.accounts.models import User
from jingmin.core.exceptions import Conflict, NotPermitted
from jingmin.mediation import workflow
from jingmin.mediation.models import Dispute

S = Dispute.Status


@pytest.mark.parametrize("action", list(workflow.TRANSITIONS))
def test_every_action_is_allowed_only_from_its_sources(action):
    t = workflow.TRANSITIONS[action]
    for status in S.values:
        d = Dispute(status=status, number="JF1")
        if status in t.sources:
            assert workflow.check(d, action) == (t.target or status)
        else:
            with pytest.raises(Conflict):
                workflow.check(d, action)


def test_closed_disputes_can_only_be_reopened_or_escalated():
    d = Dispute(status=S.CLOSED, number="JF1")
    assert {a for a in workflow.TRANSITIONS if workflow.allowed(d, a)} == {
        "reopen",
        "escalate",
    }


@pytest.mark.parametrize("role", ["analyst", "liaison", "operator", "admin", "auditor"])
def test_roles_outside_dispute_work_may_not_act(role):
    d = Dispute(status=S.REGISTERED, number="JF1")
    with pytest.raises(NotPermitted):
        workflow.check(d, "session", User(role=role))
    assert workflow.check(d, "session", User(role="officer")) == S.MEDIATING
