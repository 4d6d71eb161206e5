"""Fixtures for the cross-cutting suites in tests/."""

import pytest


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Argon2 is slow on purpose and these suites create eleven personas per test;
    production hashing is pinned by tests/test_check_deploy.py (Argon2 first)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
