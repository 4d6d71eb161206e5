"""The choke point, exercised on org models given a policy for the test."""

import pytest
from django.contrib.auth.models import AnonymousUser

from jingmin.accounts import scoping
from jingmin.accounts.roles import Role
from jingmin.accounts.scoping import ScopePolicy
from jingmin.org.models import Department, Unit


@pytest.fixture
def unit_policy(monkeypatch):
    monkeypatch.setattr(
        Unit,
        "scope",
        ScopePolicy(
            unit="id", global_roles=frozenset({Role.SUPERVISOR, Role.OPERATOR})
        ),
        raising=False,
    )


@pytest.fixture
def department_policy(monkeypatch):
    monkeypatch.setattr(
        Department, "scope", ScopePolicy(department="id"), raising=False
    )


def codes(user, model=Unit):
    return set(
        scoping.visible(user, model.objects.all()).values_list("code", flat=True)
    )


def test_global_roles_see_everything(county, unit_policy):
    assert codes(county["supervisor"]) == {"sta", "stb", "cmd"}
    assert codes(county["operator"]) == {"sta", "stb", "cmd"}


def test_unit_roles_see_their_unit_only(county, unit_policy):
    assert codes(county["officer_a"]) == {"sta"}
    assert codes(county["leader_b"]) == {"stb"}


@pytest.mark.parametrize("role", ["analyst", "admin", "auditor", "liaison_a"])
def test_other_roles_see_nothing(county, unit_policy, role):
    assert codes(county[role]) == set()


def test_anonymous_and_inactive_see_nothing(county, unit_policy):
    assert codes(AnonymousUser()) == set()
    officer = county["officer_a"]
    officer.is_active = False
    assert codes(officer) == set()


def test_liaison_sees_own_department(county, department_policy):
    assert codes(county["liaison_a"], Department) == {"depta"}
    assert codes(county["liaison_b"], Department) == {"deptb"}
    assert codes(county["officer_a"], Department) == set()


def test_get_visible_or_404(county, unit_policy):
    from django.http import Http404

    assert (
        scoping.get_visible_or_404(county["officer_a"], Unit.objects.all(), code="sta")
        == county.sta
    )
    with pytest.raises(Http404):
        scoping.get_visible_or_404(county["officer_a"], Unit.objects.all(), code="stb")


def test_personal_data_rights(county, unit_policy, department_policy):
    assert scoping.may_see_personal_data(county["officer_a"], county.sta)
    assert not scoping.may_see_personal_data(
        county["officer_b"], county.sta
    )  # other unit
    assert scoping.may_see_personal_data(county["supervisor"], county.sta)
    assert not scoping.may_see_personal_data(
        county["analyst"], county.sta
    )  # never personal data
    assert not scoping.may_see_personal_data(county["admin"], county.sta)
    assert scoping.may_see_personal_data(county["liaison_a"], county.depta)
    assert not scoping.may_see_personal_data(county["liaison_a"], county.deptb)


def test_model_without_policy_cannot_be_shown(county):
    with pytest.raises(TypeError):
        scoping.visible(county["supervisor"], Department.objects.all())


def _sql(user, model) -> str:
    query = scoping.visible(user, model.objects.all()).query
    return "none" if query.is_empty() else str(query)


def test_visible_key_names_exactly_the_rows_visible_gives(county):
    """Users share a key exactly when ``visible`` gives them the same query, for
    models of different policies (ADR 130: kept pages are keyed by it)."""
    from jingmin.appeals.models import Appeal
    from jingmin.mediation.models import Dispute

    users = [*county.users.values(), AnonymousUser()]
    for model in (Appeal, Dispute):
        for one in users:
            for other in users:
                same_key = scoping.visible_key(one, model) == scoping.visible_key(
                    other, model
                )
                same_rows = _sql(one, model) == _sql(other, model)
                assert same_key == same_rows, (model, one, other)
    assert scoping.visible_key(county["leader_a"], Appeal) == (
        f"appeals.appeal:unit:{county.sta.pk}"
    )
