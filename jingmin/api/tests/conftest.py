"""Service accounts for the REST tests: a liaison system per department."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from jingmin.accounts.roles import Role
from jingmin.accounts.tests.personas import make_user
from jingmin.api.services import token_issue


@pytest.fixture
def api():
    return APIClient()


@pytest.fixture
def service_account(county):
    """``service_account(role, **fields)`` → (user, raw token)."""

    def make(role: str = Role.LIAISON, username: str = "svc", **fields):
        user = make_user(username, role, is_service_account=True, **fields)
        _token, raw = token_issue(
            actor=county["admin"], user=user, name=f"{username} 系统"
        )
        return user, raw

    return make


@pytest.fixture
def as_token(api):
    def auth(raw: str) -> APIClient:
        api.credentials(HTTP_AUTHORIZATION=f"Token {raw}")
        return api

    return auth
