"""Password hashing: Argon2id with OWASP's parameters.

Django's own ``Argon2PasswordHasher`` uses m = 100 MiB, t = 2, p = 8: every log-in
allocates 100 MiB, so a burst of log-ins on one worker (8 threads) peaks near
800 MiB above its working size. See docs/decisions/076-argon2-parameters.md.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id, m = 19 MiB, t = 2, p = 1 (OWASP Password Storage Cheat Sheet).

    The ``algorithm`` stays ``argon2``: hashes made with Django's parameters still
    verify (each hash carries its own), and since their parameters differ,
    ``must_update`` is true and the next successful log-in stores a new hash.
    """

    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
